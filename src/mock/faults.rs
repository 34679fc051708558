//! The fault catalogue: deliberate contract violations the mock can switch on, one rule each.
//!
//! A fault is how conform tests itself: a good harness must flag every `Breaks` fault, must
//! not fail a case for a `Tolerated` one (the contract accepts it and only records it), and
//! must show an `Additive` one only as a snapshot difference. `conform selfcheck` iterates
//! over [`Fault::catalogue`]; `conform mock --list-faults` prints it.

use std::fmt;

/// How the contract judges a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// Breaks its rule: a harness must report a contract failure.
    Breaks,
    /// Allowed by its rule (recorded as an observation): a harness must not fail a case.
    Tolerated,
    /// An extra that the contract allows (C12: fields beyond the tables): it shows up only
    /// as a snapshot difference.
    Additive,
}

impl FaultKind {
    /// Lowercase word used in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Breaks => "breaks",
            FaultKind::Tolerated => "tolerated",
            FaultKind::Additive => "additive",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! faults {
    ($( $(#[$doc:meta])* $variant:ident = ($name:literal, $rule:literal, $rule_v2:literal, $kind:ident, $desc:literal), )*) => {
        /// One deliberate deviation from the contract. Each breaks (or, for tolerated and
        /// additive ones, bends) exactly one rule.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Fault {
            $( $(#[$doc])* $variant, )*
        }

        const CATALOGUE: &[Fault] = &[ $( Fault::$variant, )* ];
        pub(crate) const CATALOGUE_LEN: usize = CATALOGUE.len();

        impl Fault {
            /// The kebab-case name used on the command line (`--fault NAME`).
            pub fn name(&self) -> &'static str {
                match self { $( Fault::$variant => $name, )* }
            }
            /// The rule of the first contract (v1.0 list, C1..C14) this fault bends, or
            /// "" when it touches only the v2 list.
            pub fn rule(&self) -> &'static str {
                match self { $( Fault::$variant => $rule, )* }
            }
            /// The rule of the v2 list (V1..V20) this fault bends, or "" when it
            /// touches only the v1.0 list.
            pub fn rule_v2(&self) -> &'static str {
                match self { $( Fault::$variant => $rule_v2, )* }
            }
            /// Whether the contract rejects, tolerates or merely notices it.
            pub fn kind(&self) -> FaultKind {
                match self { $( Fault::$variant => FaultKind::$kind, )* }
            }
            /// One line saying what the mock does differently.
            pub fn description(&self) -> &'static str {
                match self { $( Fault::$variant => $desc, )* }
            }
        }
    };
}

faults! {
    // C1
    EmptyValueFilters = ("empty-value-filters", "C1", "V1", Breaks,
        "an empty name=, status= or id= is applied as a literal filter (matching nothing) instead of being ignored"),
    EmptyStart400 = ("empty-start-400", "C1", "V1", Breaks,
        "an empty start= (offset= on v2) gets 400 instead of being ignored"),
    EmptyLimit400 = ("empty-limit-400", "C1", "V1", Breaks,
        "an empty limit= gets 400 instead of being ignored"),
    EmptyIncludeFailureShown = ("empty-include-failure-shown", "C1", "V1", Breaks,
        "an empty includeFailure= (include_failure= on v2) lists CREATEFAILED instances, as if it said true"),
    // C2
    FuzzyPrefixOnly = ("fuzzy-prefix-only", "C2", "V2", Breaks,
        "fuzzy name matching only finds names that start with the term"),
    FuzzyDropsOneMatch = ("fuzzy-drops-one-match", "C2", "V2", Breaks,
        "a fuzzy name query with two or more matches silently loses its last match (instance_num agrees)"),
    FuzzyCaseInsensitive = ("fuzzy-case-insensitive", "C2", "V2", Tolerated,
        "fuzzy name matching ignores case (name=CACHE also finds cache-prod)"),
    FuzzyMissesSuffix = ("fuzzy-misses-suffix", "C2", "V2", Breaks,
        "fuzzy name matching misses a term at the very end of a name"),
    PunctuationEquivalent = ("punctuation-equivalent", "C2", "V2", Breaks,
        "fuzzy name matching treats - _ . and space as the same character"),
    NonAsciiWholeOnly = ("non-ascii-whole-only", "C2", "V2", Breaks,
        "a fuzzy term with a non-ASCII character matches only a whole name"),
    NameTrimmed = ("name-trimmed", "C2", "V2", Breaks,
        "the name term is trimmed of surrounding whitespace (name=%20dcs finds dcs-1; only spaces is no filter)"),
    NameLikeWildcards = ("name-like-wildcards", "C2", "V2", Breaks,
        "the name term is an SQL LIKE pattern: % matches any text and _ any one character"),
    NameGlob = ("name-glob", "C2", "V2", Breaks,
        "the name term is a glob: * matches any text and ? any one character"),
    NameDoubleDecoded = ("name-double-decoded", "C2", "V2", Breaks,
        "the name value is percent-decoded twice (the literal term %64cs finds dcs)"),
    // C3
    ExactAnyTruthy = ("exact-any-truthy", "C3", "V3", Breaks,
        "isExactMatchName (name_equal on v2) =TRUE, True, 1 or yes also turn exact matching on"),
    ExactIgnored = ("exact-ignored", "C3", "V3", Breaks,
        "isExactMatchName=true (name_equal=true on v2) is ignored: names are always matched fuzzily"),
    ExactCaseInsensitive = ("exact-case-insensitive", "C3", "V3", Breaks,
        "exact name matching ignores letter case"),
    // C4
    StatusTrimmed = ("status-trimmed", "C4", "V4", Breaks,
        "the status value is trimmed of surrounding whitespace (status=%20RUNNING finds RUNNING instances)"),
    StatusIgnored = ("status-ignored", "C4", "V4", Breaks,
        "the status filter is not applied"),
    StatusCaseInsensitive = ("status-case-insensitive", "C4", "V4", Breaks,
        "status values match ignoring ASCII case (status=running finds RUNNING)"),
    UnknownStatus400 = ("unknown-status-400", "C4", "V4", Tolerated,
        "a status outside the status table gets 400 instead of 200 with an empty list"),
    StatusIgnoredWithExact = ("status-ignored-with-exact", "C4", "V4", Breaks,
        "the status filter is not applied when isExactMatchName (name_equal) is sent, whatever its value"),
    LaterStatuses400 = ("later-statuses-400", "C4", "V4", Breaks,
        "RESTORING and FLUSHING, the later revisions' statuses, get 400 as outside the status table"),
    // C5
    IdCaseInsensitive = ("id-case-insensitive", "C5", "V5", Breaks,
        "the id is compared ignoring letter case (an id in capitals finds the instance)"),
    IdTrimmed = ("id-trimmed", "C5", "V5", Breaks,
        "the id is trimmed of surrounding whitespace before it is compared"),
    IdPrefixMatch = ("id-prefix-match", "C5", "V5", Breaks,
        "the id (v2: instance_id) filter matches every instance_id that starts with the value"),
    UnknownId404 = ("unknown-id-404", "C5", "V5", Breaks,
        "an id that matches no instance gets 404 instead of an empty list"),
    // C6
    FailedAlwaysShown = ("failed-always-shown", "C6", "V6", Breaks,
        "CREATEFAILED instances are listed even without includeFailure=true (include_failure=true)"),
    IncludeFailureAnyValue = ("include-failure-any-value", "C6", "V6", Breaks,
        "any non-empty includeFailure (include_failure) value, even false, lists CREATEFAILED instances"),
    FailedShownByStatus = ("failed-shown-by-status", "C6", "V6", Breaks,
        "status=CREATEFAILED lists failed instances without the include flag"),
    IncludeFailureCapitalised = ("include-failure-capitalised", "C6", "V6", Breaks,
        "includeFailure=True (include_failure=True), capitalised, also lists CREATEFAILED instances"),
    // C7
    FiltersOr = ("filters-or", "C7", "V11", Breaks,
        "several filters combine with OR instead of AND"),
    ParamNameCaseInsensitive = ("param-name-case-insensitive", "C7", "V11", Breaks,
        "parameter names are matched ignoring case: Status= or LIMIT= is applied, though unlisted"),
    ParamNameOtherConvention = ("param-name-other-convention", "C7", "V11", Breaks,
        "a listed name in the other naming convention is applied: include_failure= (includeFailure= on v2)"),
    ParamNamePlural = ("param-name-plural", "C7", "V11", Breaks,
        "a listed name with an s at its end is applied: limits=1, names=..."),
    RepeatedParamJoined = ("repeated-param-joined", "C7", "V11", Breaks,
        "a repeated parameter's values are joined with commas (name=a&name=b is name=a,b), neither the first nor the last"),
    RepeatedParamLastWins = ("repeated-param-last-wins", "C7", "V11", Tolerated,
        "a repeated parameter's last value counts, not its first (the page is silent: both are readings)"),
    UnknownParam400 = ("unknown-param-400", "C7", "V11", Breaks,
        "a query parameter the page does not list gets 400 instead of being ignored"),
    UnlistedParamWithPaging400 = ("unlisted-param-with-paging-400", "C7", "V11", Breaks,
        "a parameter the page does not list gets 400 when limit is also sent"),
    UnlistedParamWithStart400 = ("unlisted-param-with-start-400", "C7", "V11", Breaks,
        "a parameter the page does not list gets 400 when start (offset) is also sent"),
    // C8
    OldestFirst = ("oldest-first", "C8", "V12", Breaks,
        "the list is ordered oldest first"),
    TieBreakDescending = ("tie-break-descending", "C8", "V12", Breaks,
        "equal created_at values are ordered by instance_id descending"),
    UnstableOrder = ("unstable-order", "C8", "V12", Breaks,
        "every other request orders equal created_at values the other way, so pages overlap and skip"),
    // C9
    StartZeroBased = ("start-zero-based", "C9", "", Breaks,
        "start is read as a 0-based offset (start=1 skips the first instance, start=0 is accepted)"),
    StartPastEnd400 = ("start-past-end-400", "C9", "V13", Breaks,
        "a start (offset) past the end of the list gets 400 instead of an empty page"),
    // C10
    LimitIgnored = ("limit-ignored", "C10", "V14", Breaks,
        "limit is ignored: every instance from start (offset) on is returned"),
    LeadingZeroOctal = ("leading-zero-octal", "C10", "V14", Breaks,
        "start and limit (offset and limit on v2) with a leading zero are read as octal: limit=010 is 8"),
    PageCap50 = ("page-cap-50", "C10", "V14", Breaks,
        "at most 50 instances a page, whatever limit asks (and with no limit), instance_num still counting all"),
    Paging32BitWrap = ("paging-32-bit-wrap", "C10", "V14", Breaks,
        "start and limit (offset and limit) are kept in 32 bits and wrap: limit=4294967297 is 1"),
    PagingBeyond32Bit400 = ("paging-beyond-32-bit-400", "C10", "V14", Tolerated,
        "a start or limit (offset or limit) beyond 2^31 - 1 gets 400: the page's Integer read as 32-bit"),
    PagingPlusSignRead = ("paging-plus-sign-read", "C10", "V14", Tolerated,
        "a start or limit (offset or limit) with a leading + is read as the number, not refused"),
    LimitOffByOne = ("limit-off-by-one", "C10", "V14", Breaks,
        "a page holds limit + 1 instances"),
    LimitZeroAccepted = ("limit-zero-accepted", "C10", "V15", Breaks,
        "limit=0 gets 200 with an empty page instead of 400"),
    BadLimit500 = ("bad-limit-500", "C10", "V15", Breaks,
        "a limit or start (offset) that is not a decimal integer gets 500 instead of 400"),
    LimitBeforeFilters = ("limit-before-filters", "C10", "V14", Breaks,
        "limit cuts the list before the status filter is applied"),
    // C11
    InstanceNumPageSize = ("instance-num-page-size", "C11", "V16", Breaks,
        "instance_num counts the instances on this page, not all matches"),
    InstanceNumUnfiltered = ("instance-num-unfiltered", "C11", "V16", Breaks,
        "instance_num counts every listed instance of the project, ignoring the filters"),
    // C12
    PortAsString = ("port-as-string", "C12", "V17", Breaks,
        "port is serialised as a string (\"6379\")"),
    FieldMissing = ("field-missing", "C12", "V17", Breaks,
        "domainName (domain_name on v2) is left out of instances whose domainName is empty"),
    UsedExceedsMax = ("used-exceeds-max", "C12", "V17", Breaks,
        "used_memory is reported as max_memory + 1"),
    DuplicateId = ("duplicate-id", "C12", "V17", Breaks,
        "the first instance of each non-empty page appears again at its end"),
    CreatedAtNoZone = ("created-at-no-zone", "C12", "V17", Breaks,
        "created_at loses its trailing Z (no time zone)"),
    ContentTypeText = ("content-type-text", "C12", "V17", Breaks,
        "200 responses say Content-Type: text/plain (the body is still JSON)"),
    ExtraField = ("extra-field", "C12", "V17", Additive,
        "every instance carries an extra member (az_codes; product_type on v2), allowed: a snapshot diff only"),
    Intermittent500 = ("intermittent-500", "C12", "V17", Breaks,
        "every 7th request to the list path gets 500 (with a JSON error body)"),
    // C13
    ErrorBodyText = ("error-body-text", "C13", "V18", Breaks,
        "4xx/5xx bodies are plain text instead of JSON"),
    ErrorBodyMissingMsg = ("error-body-missing-msg", "C13", "V18", Breaks,
        "JSON error bodies lack error_msg"),
    // C14
    TenantLeak = ("tenant-leak", "C14", "V19", Breaks,
        "every project's list also holds the other projects' instances"),
    AuthIgnored = ("auth-ignored", "C14", "V20", Breaks,
        "the configured token is not required"),
    AuthCached = ("auth-cached", "C14", "V20", Breaks,
        "answers to a query with parameters are cached by URL in front of the credentials check: the same URL again without credentials gets the cached list"),
    SignatureQueryFallback = ("signature-query-fallback", "C14", "V20", Breaks,
        "an AK/SK signature that does not match is tried again over the path alone: one over no query passes for any query"),
    SignatureStaleAccepted = ("signature-stale-accepted", "C14", "V20", Tolerated,
        "an AK/SK signature dated a day ago is accepted (the page states no window for X-Sdk-Date)"),
    ConcurrentQueriesMixed = ("concurrent-queries-mixed", "C7", "V11", Breaks,
        "the query is kept in one slot shared by every request in flight: requests sent at once may be answered with each other's filters"),
    TokenEmptyAccepted = ("token-empty-accepted", "C14", "V20", Breaks,
        "an empty X-Auth-Token header is let in"),
    TokenPrefixAccepted = ("token-prefix-accepted", "C14", "V20", Breaks,
        "a token that is a prefix of the real one (the real one cut short) is let in"),
    TokenExtendedAccepted = ("token-extended-accepted", "C14", "V20", Breaks,
        "a token that starts with the real one (the real one and more) is let in"),
    TokenCaseInsensitive = ("token-case-insensitive", "C14", "V20", Breaks,
        "the token is compared ignoring letter case"),
    AuthAnyToken = ("auth-any-token", "C14", "V20", Breaks,
        "any non-empty X-Auth-Token is accepted"),
    Auth403 = ("auth-403", "C14", "V20", Tolerated,
        "requests without a valid token get 403 instead of 401"),
    TenantLeakById = ("tenant-leak-by-id", "C14", "V19", Breaks,
        "an id filter also finds the instance in another project of the account"),
    // The v2 list's own parameters.
    IpPrefixMatch = ("ip-prefix-match", "", "V9", Breaks,
        "ip= matches every address that starts with the value"),
    IpClusterFirstOnly = ("ip-cluster-first-only", "", "V9", Breaks,
        "ip= finds a cluster only by the first of its comma-separated addresses"),
    OffsetOneBased = ("offset-one-based", "", "V13", Breaks,
        "offset is read as a 1-based position (offset=1 is the first instance, like offset=0)"),
    DefaultLimitAll = ("default-limit-all", "", "V14", Breaks,
        "a query without limit gets every match instead of the first 10"),
    LimitOverMaxClamped = ("limit-over-max-clamped", "", "V15", Tolerated,
        "a limit above 1000 gets 200 with at most 1000 instances instead of 400"),
    IncludeDeleteAnyValue = ("include-delete-any-value", "", "V7", Breaks,
        "any non-empty include_delete value (even false) lists deleted instances"),
    DeletedShownWithFilters = ("deleted-shown-with-filters", "", "V7", Breaks,
        "deleted instances are listed without include_delete=true whenever a filter is sent"),
    DeletedCounted = ("deleted-counted", "", "V7", Breaks,
        "instance_num counts the matching deleted instances even when they are not listed"),
    TagsAnyPair = ("tags-any-pair", "", "V8", Breaks,
        "tags= finds instances that carry any one of the pairs instead of all of them"),
    TagsKeyOnly = ("tags-key-only", "", "V8", Breaks,
        "tags= compares keys only: an instance with the key and another value matches"),
    CapacityMinorIgnored = ("capacity-minor-ignored", "", "V10", Breaks,
        "capacity= reads the integer capacity only: a 0.125 GB instance is found by 0, not by 0.125"),
    // The exact flag against the name's case and the hidden instances (V3 with V6, V7).
    ExactShowsFailed = ("exact-shows-failed", "C6", "V6", Breaks,
        "an exact name query (isExactMatchName / name_equal = true) lists a CREATEFAILED instance of that name without the include flag"),
    ExactShowsDeleted = ("exact-shows-deleted", "", "V7", Breaks,
        "name_equal=true lists a deleted instance of that name without include_delete=true"),
    // Readings: where the v2 page is silent, other ways a server may answer, each one the
    // contract accepts (tolerated: recorded, never failed). On v1.0, where the contract
    // notes fix the point, the same switch breaks its rule (see `kind_on`).
    OrderById = ("order-by-id", "C8", "V12", Breaks,
        "the list is ordered by instance_id alone (v2: an order the page allows, reading S8)"),
    IpSubstring = ("ip-substring", "", "V9", Tolerated,
        "ip= also finds an address that contains the value anywhere (reading S5)"),
    CapacityZeroFindsSmall = ("capacity-zero-finds-small", "", "V10", Tolerated,
        "capacity=0 also finds the instances under 1 GB, whose integer capacity is 0 (reading S7)"),
    TagsItemKeyOnly = ("tags-item-key-only", "", "V8", Tolerated,
        "a tags item without `=` finds the instances that carry that key (reading S4)"),
    TagsItemIgnored = ("tags-item-ignored", "", "V8", Tolerated,
        "a tags item without `=` is ignored (reading S4)"),
    TagsItem400 = ("tags-item-400", "", "V8", Tolerated,
        "a tags item without `=` gets 400 (reading S4)"),
    IdAliasIgnored = ("id-alias-ignored", "", "V5", Tolerated,
        "id= is not read as instance_id: it is ignored like any unknown parameter (reading S1)"),
    NullsAsEmpty = ("nulls-as-empty", "", "V17", Tolerated,
        "publicip_id, publicip_address and order_id are \"\" where the page says null (reading S11)"),
    CreatedAtSeconds = ("created-at-seconds", "", "V17", Tolerated,
        "created_at is written to the second, without a fraction (reading S14)"),
    CapacityMinorLeadingZero = ("capacity-minor-leading-zero", "", "V17", Tolerated,
        "capacity_minor is always written with a leading zero (\"0.125\", never \".125\"; reading S7)"),
    // Faults that show only while the account moves (`--churn`): an index, a cache or a
    // cursor that misses changes. On a still account they change nothing.
    StaleNameIndex = ("stale-name-index", "C2", "V2", Breaks,
        "name filters read the names of the instances the mock started with: an instance created since is never found by name"),
    StaleStatusIndex = ("stale-status-index", "C4", "V4", Breaks,
        "the status filter reads the statuses instances had when the mock started"),
    StaleIdIndex = ("stale-id-index", "C5", "V5", Breaks,
        "an id filter never finds an instance created since the mock started"),
    StaleTotal = ("stale-total", "C11", "V16", Breaks,
        "instance_num does not count the instances created since the mock started"),
    StalePageCursor = ("stale-page-cursor", "C9", "V13", Breaks,
        "pages after the first do not see the instances created since the mock started (a cursor over the old list)"),
    StaleFailedIndex = ("stale-failed-index", "C6", "V6", Breaks,
        "an instance whose creation failed since the mock started is listed without includeFailure (include_failure)"),
}

/// How many requests to the list path pass between two `intermittent-500` failures.
pub const INTERMITTENT_PERIOD: u64 = 7;

impl Fault {
    /// Every fault, grouped by rule in C1..C14 order.
    pub fn catalogue() -> &'static [Fault] {
        CATALOGUE
    }

    /// The rule this fault bends on the list served at `path` (a contract's path
    /// template), or "" when it does not touch that list.
    pub fn rule_on(&self, path: &str) -> &'static str {
        if path == super::data::LIST_V2_PATH {
            self.rule_v2()
        } else {
            self.rule()
        }
    }

    /// How the contract of the list at `path` judges this fault: the v2 page leaves the
    /// order open (S8), so an order other than newest first is a reading there, though
    /// v1.0's C8 fixes it; so is a total of this page's items (S10; C11 fixes it on
    /// v1.0); and a prefix match of `ip` is, request by request, one of the
    /// accepted readings (a prefix is a part of the address; an infix finds nothing,
    /// as the exact reading says).
    pub fn kind_on(&self, path: &str) -> FaultKind {
        let open_on_v2 = matches!(
            self,
            Fault::OldestFirst
                | Fault::TieBreakDescending
                | Fault::OrderById
                | Fault::IpPrefixMatch
                | Fault::InstanceNumPageSize
        );
        if path == super::data::LIST_V2_PATH && open_on_v2 {
            FaultKind::Tolerated
        } else {
            self.kind()
        }
    }

    /// Sets of the switches the contract of the list at `path` tolerates, to switch on
    /// at once: each tolerated switch is in at least one set, with every other one it
    /// can go with (switches that answer one point differently never share a set).
    pub fn tolerated_together(path: &str) -> Vec<Vec<Fault>> {
        const EXCLUSIVE: [&[Fault]; 3] = [
            &[Fault::OrderById, Fault::OldestFirst],
            &[
                Fault::TagsItemKeyOnly,
                Fault::TagsItemIgnored,
                Fault::TagsItem400,
            ],
            &[Fault::IpSubstring, Fault::IpPrefixMatch],
        ];
        let tolerated: Vec<Fault> = CATALOGUE
            .iter()
            .copied()
            .filter(|f| {
                f.kind_on(path) == FaultKind::Tolerated
                    && !f.rule_on(path).is_empty()
                    && !f.needs_churn()
            })
            .collect();
        let groups: Vec<Vec<Fault>> = EXCLUSIVE
            .iter()
            .map(|g| {
                g.iter()
                    .copied()
                    .filter(|f| tolerated.contains(f))
                    .collect::<Vec<_>>()
            })
            .filter(|g: &Vec<Fault>| !g.is_empty())
            .collect();
        let free: Vec<Fault> = tolerated
            .iter()
            .copied()
            .filter(|f| !groups.iter().any(|g| g.contains(f)))
            .collect();
        let rounds = groups.iter().map(Vec::len).max().unwrap_or(1);
        if tolerated.is_empty() {
            return Vec::new();
        }
        (0..rounds)
            .map(|i| {
                let mut set = free.clone();
                set.extend(groups.iter().map(|g| g[i % g.len()]));
                set
            })
            .collect()
    }

    /// True for the faults that show only while the account moves (`--churn`): on a
    /// still account they change nothing.
    pub fn needs_churn(&self) -> bool {
        self.name().starts_with("stale-")
    }

    /// True for a fault that touches only signed (AK/SK) requests: a run with a token
    /// never meets it (`tests/library/explore.rs` sends it signed requests).
    pub fn needs_signing(&self) -> bool {
        self.name().starts_with("signature-")
    }

    /// The fault with this name, if any.
    pub fn from_name(name: &str) -> Option<Fault> {
        CATALOGUE.iter().copied().find(|f| f.name() == name)
    }

    /// The hint for a name that is no fault: the closest one, or where the list is.
    pub fn hint_for(name: &str) -> String {
        let names: Vec<&str> = CATALOGUE.iter().map(Fault::name).collect();
        match crate::diag::did_you_mean(name, &names) {
            Some(n) => {
                format!("did you mean `{n}`? (`conform mock --list-faults` prints the catalogue)")
            }
            None => "`conform mock --list-faults` prints the catalogue".into(),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The catalogue as the table `conform mock --list-faults` prints: each fault's rule on
/// the v1.0 list and on the v2 list (`-` where it does not touch that list).
pub fn listing() -> String {
    let width = CATALOGUE.iter().map(|f| f.name().len()).max().unwrap_or(0);
    let mut out = format!("{:width$}  v1.0  v2   kind       description\n", "fault");
    let or_dash = |r: &'static str| if r.is_empty() { "-" } else { r };
    for f in CATALOGUE {
        out.push_str(&format!(
            "{:width$}  {:4}  {:3}  {:9}  {}\n",
            f.name(),
            or_dash(f.rule()),
            or_dash(f.rule_v2()),
            f.kind().as_str(),
            f.description()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for f in Fault::catalogue() {
            assert!(seen.insert(f.name()), "duplicate {}", f.name());
            assert!(
                f.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                f.name()
            );
            assert_eq!(Fault::from_name(f.name()), Some(*f));
        }
        assert_eq!(Fault::from_name("no-such-fault"), None);
    }

    #[test]
    fn catalogue_covers_every_rule() {
        assert!(Fault::catalogue().len() >= 25);
        for n in 1..=14 {
            let rule = format!("C{n}");
            assert!(
                Fault::catalogue()
                    .iter()
                    .any(|f| f.rule() == rule && f.kind() == FaultKind::Breaks),
                "no breaking fault for {rule}"
            );
        }
        // Every v2 rule; a fault names a rule of each list or "".
        for n in 1..=20 {
            let rule = format!("V{n}");
            assert!(
                Fault::catalogue()
                    .iter()
                    .any(|f| f.rule_v2() == rule && f.kind() == FaultKind::Breaks),
                "no breaking fault for {rule}"
            );
        }
        for f in Fault::catalogue() {
            assert!(f.rule().is_empty() || f.rule().starts_with('C'), "{f}");
            assert!(
                f.rule_v2().is_empty() || f.rule_v2().starts_with('V'),
                "{f}"
            );
            assert!(!(f.rule().is_empty() && f.rule_v2().is_empty()), "{f}");
        }
    }
}
