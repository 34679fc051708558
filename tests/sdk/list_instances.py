"""The vendor's Python SDK as a client of `conform mock`: ListInstancesRequest (DCS v2)
with AK/SK credentials, one request per query given on the command line.

    python list_instances.py ENDPOINT PROJECT_ID QUERIES_JSON

QUERIES_JSON is a list of objects, each the keyword arguments of ListInstancesRequest.
The access key pair comes from SDK_AK and SDK_SK. Prints, per query, what the SDK decoded
(instance_num, the instances' ids, names, statuses and tags) or the error it raised (status
and error code), as one JSON list on stdout.
"""

import json
import os
import sys

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkdcs.v2 import DcsClient, ListInstancesRequest


def main():
    endpoint, project, queries = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    credentials = BasicCredentials(os.environ["SDK_AK"], os.environ["SDK_SK"], project)
    config = HttpConfig.get_default_config()
    config.retry_times = 0
    client = (
        DcsClient.new_builder()
        .with_http_config(config)
        .with_credentials(credentials)
        .with_endpoints([endpoint])
        .build()
    )
    out = []
    for query in queries:
        try:
            response = client.list_instances(ListInstancesRequest(**query))
        except exceptions.ClientRequestException as e:
            out.append({"status": e.status_code, "error_code": e.error_code})
            continue
        instances = response.instances or []
        out.append(
            {
                "status": response.status_code,
                "instance_num": response.instance_num,
                "ids": [i.instance_id for i in instances],
                "names": [i.name for i in instances],
                "statuses": [i.status for i in instances],
                "tags": [[[t.key, t.value] for t in (i.tags or [])] for i in instances],
            }
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
