//! sprig v3.3.0's functions added after the deterministic core (dates, case conversion,
//! decimal float math, paths, base32, merging, semver, URLs, environment, crypto): every
//! expectation in `CASES` is what Go 1.26's `text/template` with sprig v3.3.0 produced for the
//! same template over `D` (with `Local` being UTC, as on the build machines); the functions
//! whose results are random are checked for their properties.

use super::render;

/// The data the cases run on.
const D: &str = r#"{"s":"hello world","n":3,"f":1.5,"m":{"a":1,"b":{"c":"x","d":""},"l":[1,2],"e":""},"m2":{"b":{"c":"y","z":9},"l":[3],"e":"filled","n":null,"k":"v"},"ts":1700000000,"l":[1,"a"],"url":"https://u:p@example.com:8080/a%20b/c?x=1&y=2#frag"}"#;

fn data() -> serde_json::Value {
    serde_json::from_str(D).expect("test data")
}

/// (template, Ok(output) or Err(error)), rendered over `D`.
const CASES: &[(&str, Result<&str, &str>)] = &[
    (
        r#"{{ camelcase "http_server" }}|{{ camelcase "HTTPServer" }}|{{ camelcase "_complex__case_" }}|{{ camelcase "some words" }}|{{ camelcase "GOLANG_IS_GREAT" }}|{{ camelcase "a" }}|{{ camelcase "" }}|{{ camelcase "foo-bar baz" }}"#,
        Ok(r#"HttpServer|Httpserver|_Complex_Case_|SomeWords|GolangIsGreat|A||FooBarBaz"#),
    ),
    (
        r#"{{ snakecase "FirstName" }}|{{ snakecase "HTTPServer" }}|{{ snakecase "NoHTTPS" }}|{{ snakecase "GO_PATH" }}|{{ snakecase "GO PATH" }}|{{ snakecase "GO-PATH" }}|{{ snakecase "http2xx" }}|{{ snakecase "HTTP20xOK" }}|{{ snakecase "Duration2m3s" }}|{{ snakecase "Bld4Floor3rd" }}"#,
        Ok(
            r#"first_name|http_server|no_https|go_path|go_path|go_path|http_2xx|http_20x_ok|duration_2m3s|bld4_floor_3rd"#,
        ),
    ),
    (
        r#"{{ kebabcase "FirstName" }}|{{ kebabcase "HTTPServer" }}|{{ kebabcase "a.b,c" }}|{{ kebabcase "fooBar!Baz" }}|{{ snakecase "ÜberCool" }}|{{ snakecase "x__y" }}|{{ snakecase "  lead" }}|{{ snakecase "v1.2.3" }}|{{ camelcase "über_cool" }}"#,
        Ok(r#"first-name|http-server|a.b,c|foo-bar!baz|über_cool|x__y|__lead|v1.2.3|ÜberCool"#),
    ),
    (
        r#"{{ initials "First Try" }}|{{ initials "  a  b	c " }}|{{ initials "" }}|{{ initials "élan vital" }}"#,
        Ok(r#"FT|abc||Ãv"#),
    ),
    (
        r#"{{ wrap 5 "Hello World" }}|{{ wrap 10 "Hello   there all of you" }}|{{ wrapWith 5 "\t" "Hello World" }}|{{ wrapWith 3 "-" "abcdefgh ij" }}|{{ wrap 3 "abcdefgh ij" }}|{{ wrap 0 "a b" }}|{{ wrap 80 "" }}"#,
        Ok(r#"Hello
World|Hello  
there all
of you|Hello	World|abc-def-gh-ij|abcdefgh
ij|a
b|"#),
    ),
    (
        r#"{{ hello }}|{{ randAlpha 0 }}|{{ randNumeric -1 }}|{{ len (randAlphaNum 12) }}|{{ shuffle "" }}"#,
        Ok(r#"Hello!|||12|"#),
    ),
    (
        r#"{{ add1f 1.1 }}|{{ addf 1.1 2.2 }}|{{ addf }}|{{ subf 1.5 0.4 }}|{{ subf 10 }}|{{ mulf 1.1 3 }}|{{ divf 10 3 }}|{{ divf 2 3 }}|{{ divf 1 8 }}|{{ mulf .f "2" }}|{{ addf .n .f "x" true }}|{{ divf -10 3 }}|{{ mulf 0.1 0.2 }}|{{ addf 0.1 0.2 }}"#,
        Ok(
            r#"2.1|3.3|0|1.1|10|3.3|3.3333333333333335|0.6666666666666667|0.125|3|5.5|-3.3333333333333335|0.02|0.3"#,
        ),
    ),
    (
        r#"{{ divf 1 0 }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <divf 1 0>: error calling divf: decimal division by 0"#,
        ),
    ),
    (
        r#"{{ toDecimal "0777" }}|{{ toDecimal 777 }}|{{ toDecimal "8" }}|{{ toDecimal "-17" }}|{{ toDecimal .n }}|{{ toDecimal "+7" }}|{{ toDecimal 1.5 }}"#,
        Ok(r#"511|511|0|-15|3|7|0"#),
    ),
    (
        r#"{{ base "foo/bar/baz" }}|{{ base "/" }}|{{ base "" }}|{{ base "a/b/" }}|{{ dir "foo/bar/baz" }}|{{ dir "" }}|{{ dir "/a" }}|{{ dir "a" }}|{{ clean "foo/bar/../baz" }}|{{ clean "/../a//b/./c/" }}|{{ clean "" }}|{{ clean "../../x" }}|{{ ext "foo.bar" }}|{{ ext "a/b.c/d" }}|{{ ext "x.tar.gz" }}|{{ isAbs "/a" }}|{{ isAbs "a" }}"#,
        Ok(r#"baz|/|.|b|foo/bar|.|/|.|foo/baz|/a/b/c|.|../../x|.bar||.gz|true|false"#),
    ),
    (
        r#"{{ osBase "foo/bar/baz" }}|{{ osDir "/foo/bar/baz" }}|{{ osClean "a/../../b" }}|{{ osExt "f.yaml" }}|{{ osIsAbs "/x" }}"#,
        Ok(r#"baz|/foo/bar|../b|.yaml|true"#),
    ),
    (
        r#"{{ b32enc "Hello" }}|{{ b32enc "" }}|{{ b32enc "a" }}|{{ b32enc "ab" }}|{{ b32enc "abc" }}|{{ b32enc "abcd" }}|{{ b32enc "abcdef" }}|{{ b32dec "JBSWY3DP" }}|{{ b32dec "MFRGG===" }}|{{ b32dec "MFRGG" }}|{{ b32dec "M1" }}|{{ b32dec "MF======" }}|{{ b32dec "JBSW\nY3DP" }}|{{ b32dec "MFR=====" }}"#,
        Ok(
            r#"JBSWY3DP||ME======|MFRA====|MFRGG===|MFRGGZA=|MFRGGZDFMY======|Hello|abc|illegal base32 data at input byte 0|illegal base32 data at input byte 1|a|Hello|illegal base32 data at input byte 3"#,
        ),
    ),
    (
        r#"{{ merge .m .m2 }}|{{ mergeOverwrite .m .m2 }}|{{ merge (dict) .m2 }}|{{ mustMerge (dict "a" 0 "b" false) (dict "a" 5 "b" true "c" nil) }}|{{ mustMergeOverwrite (dict "a" 1) (dict "a" 0) (dict "b" 2) }}"#,
        Ok(
            r#"map[a:1 b:map[c:x d: z:9] e:filled k:v l:[1 2]]|map[a:1 b:map[c:y d: z:9] e:filled k:v l:[3] n:<nil>]|map[b:map[c:y z:9] e:filled k:v l:[3]]|map[a:5 b:true]|map[a:0 b:2]"#,
        ),
    ),
    (
        r#"{{ $d := dict "default" "default" "overwrite" "me" "key" true }}{{ $o := dict "overwrite" "overwritten" "key" false }}{{ mergeOverwrite $d $o | toJson }}|{{ $dst := dict "default" "default" "overwrite" "me" "key" true }}{{ merge $dst (dict "overwrite" "overwritten" "key" false) | toJson }}"#,
        Ok(
            r#"{"default":"default","key":false,"overwrite":"overwritten"}|{"default":"default","key":true,"overwrite":"me"}"#,
        ),
    ),
    (
        r#"{{ deepCopy .m }}|{{ mustDeepCopy .l }}|{{ deepCopy nil }}|{{ deepCopy 3 | typeOf }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:43: executing "inline" at <deepCopy nil>: error calling deepCopy: reflect: call of reflect.Value.Type on zero Value"#,
        ),
    ),
    (
        r#"{{ typeIsLike "int" 1 }}|{{ typeIsLike "semver.Version" (semver "1.2.3") }}|{{ typeIsLike "string" .n }}|{{ typeIsLike "map[string]interface {}" .m }}"#,
        Ok(r#"true|true|false|true"#),
    ),
    (
        r#"{{ semver "1.2.3-alpha.1+b5" }}|{{ (semver "v1.2").Major }}|{{ (semver "1.2.3").Minor }}|{{ (semver "1.2.3").Patch }}|{{ (semver "1.2.3-beta+m").Prerelease }}|{{ (semver "1.2.3-beta+m").Metadata }}|{{ (semver "v1.2").Original }}|{{ semver "1.2.3" | typeOf }}|{{ semver "1" | toJson }}|{{ kindOf (semver "1") }}|{{ (semver "1.2.3").Compare (semver "1.2.4") }}"#,
        Ok(r#"1.2.3-alpha.1+b5|1|2|3|beta|m|v1.2|*semver.Version|"1.0.0"|ptr|-1"#),
    ),
    (
        r#"{{ semver "bad" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <semver "bad">: error calling semver: Invalid Semantic Version"#,
        ),
    ),
    (
        r#"{{ semverCompare "1.2.3" "1.2.3" }}|{{ semverCompare "^1.2.0" "1.9.9" }}|{{ semverCompare "~1.2.0" "1.3.0" }}|{{ semverCompare ">=1.0, <2.0" "1.5.0" }}|{{ semverCompare "1.x" "1.4.0" }}|{{ semverCompare "> 1.0 || < 0.5" "0.4.0" }}|{{ semverCompare "1.0 - 2.0" "2.0.1" }}|{{ semverCompare ">1.0" "1.1.0-rc.1" }}|{{ semverCompare "!=1.2.x" "1.2.5" }}|{{ semverCompare "<= 1.2" "1.2.9" }}|{{ semverCompare "^0.0.3" "0.0.4" }}|{{ semverCompare "*" "3.0.0" }}"#,
        Ok(r#"true|true|false|true|true|true|true|false|false|true|false|true"#),
    ),
    (
        r#"{{ semverCompare "nope" "1.0.0" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <semverCompare "nope" "1.0.0">: error calling semverCompare: improper constraint: nope"#,
        ),
    ),
    (
        r#"{{ semverCompare "1.0" "nope" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <semverCompare "1.0" "nope">: error calling semverCompare: Invalid Semantic Version"#,
        ),
    ),
    (
        r#"{{ urlParse .url | toJson }}"#,
        Ok(
            r#"{"fragment":"frag","host":"example.com:8080","hostname":"example.com","opaque":"","path":"/a b/c","query":"x=1\u0026y=2","scheme":"https","userinfo":"u:p"}"#,
        ),
    ),
    (
        r#"{{ urlParse "mailto:x@y.z?subject=hi" | toJson }}|{{ urlParse "/rel/path?q" | toJson }}|{{ urlParse "http://[::1]:80/x" | toJson }}"#,
        Ok(
            r#"{"fragment":"","host":"","hostname":"","opaque":"x@y.z","path":"","query":"subject=hi","scheme":"mailto","userinfo":""}|{"fragment":"","host":"","hostname":"","opaque":"","path":"/rel/path","query":"q","scheme":"","userinfo":""}|{"fragment":"","host":"[::1]:80","hostname":"::1","opaque":"","path":"/x","query":"","scheme":"http","userinfo":""}"#,
        ),
    ),
    (
        r#"{{ urlParse "http://a b" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <urlParse "http://a b">: error calling urlParse: unable to parse url: parse "http://a b": invalid character " " in host name"#,
        ),
    ),
    (
        r#"{{ urlParse ":x" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <urlParse ":x">: error calling urlParse: unable to parse url: parse ":x": missing protocol scheme"#,
        ),
    ),
    (
        r#"{{ urlJoin (dict "scheme" "https" "host" "example.com" "path" "/a b" "query" "x=1" "fragment" "f g" "userinfo" "u:p@ss") }}|{{ urlJoin (dict "host" "h" "path" "p") }}|{{ urlJoin (dict "opaque" "x@y" "scheme" "mailto") }}|{{ urlJoin (dict "path" "a:b/c") }}|{{ urlJoin (urlParse .url) }}"#,
        Ok(
            r#"https://u:p%40ss@example.com/a%20b?x=1#f%20g|//h/p|mailto:x@y|./a:b/c|https://u:p@example.com:8080/a%20b/c?x=1&y=2#frag"#,
        ),
    ),
    (
        r#"{{ urlJoin (dict "host" 1) }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <urlJoin (dict "host" 1)>: error calling urlJoin: unable to parse host key, must be of type string, but int found"#,
        ),
    ),
    (
        r#"{{ date "2006-01-02 15:04:05 MST" .ts }}|{{ dateInZone "Mon Jan _2 3:04PM 2006" .ts "UTC" }}|{{ dateInZone "2006-01-02T15:04:05Z07:00" .ts "Asia/Tokyo" }}|{{ dateInZone "2006 MST" .ts "Nope/Zone" }}|{{ date_in_zone "02.01.06 Monday January" .ts "America/New_York" }}|{{ htmlDate .ts }}|{{ htmlDateInZone .ts "Pacific/Kiritimati" }}"#,
        Ok(
            r#"2023-11-14 22:13:20 UTC|Tue Nov 14 10:13PM 2023|2023-11-15T07:13:20+09:00|2023 UTC|14.11.23 Tuesday November|2023-11-14|2023-11-15"#,
        ),
    ),
    (
        r#"{{ toDate "2006-01-02" "2017-12-31" }}|{{ toDate "2006-01-02" "2017-12-31" | date "02/01/2006" }}|{{ toDate "2006-01-02" "bad" }}|{{ toDate "2006-01-02T15:04:05Z07:00" "2020-02-29T10:11:12.5+02:00" }}|{{ toDate "Jan 2 2006 3:04pm" "Mar 7 2021 11:05am" | unixEpoch }}|{{ toDate "2006-01-02 15:04:05.000 MST" "2021-06-01 01:02:03.456 UTC" }}"#,
        Ok(
            r#"2017-12-31 00:00:00 +0000 UTC|31/12/2017|0001-01-01 00:00:00 +0000 UTC|2020-02-29 10:11:12.5 +0200 +0200|1615115100|2021-06-01 01:02:03.456 +0000 UTC"#,
        ),
    ),
    (
        r#"{{ mustToDate "2006-01-02" "2017-13-31" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <mustToDate "2006-01-02" "2017-13-31">: error calling mustToDate: parsing time "2017-13-31": month out of range"#,
        ),
    ),
    (
        r#"{{ mustToDate "2006-01-02" "2017-02-30" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <mustToDate "2006-01-02" "2017-02-30">: error calling mustToDate: parsing time "2017-02-30": day out of range"#,
        ),
    ),
    (
        r#"{{ mustToDate "2006-01-02" "2017-02-03x" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <mustToDate "2006-01-02" "2017-02-03x">: error calling mustToDate: parsing time "2017-02-03x": extra text: "x""#,
        ),
    ),
    (
        r#"{{ toDate "2006-01-02" "2024-02-29" | dateModify "1.5h" }}|{{ toDate "2006-01-02" "2024-02-29" | dateModify "bad" }}|{{ toDate "2006-01-02" "2024-02-29" | date_modify "-24h" | date "2006-01-02" }}|{{ toDate "2006-01-02" "2024-02-29" | mustDateModify "90m" | unixEpoch }}"#,
        Ok(r#"2024-02-29 01:30:00 +0000 UTC|2024-02-29 00:00:00 +0000 UTC|2024-02-28|1709170200"#),
    ),
    (
        r#"{{ toDate "2006-01-02" "2024-02-29" | mustDateModify "1x" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:38: executing "inline" at <mustDateModify "1x">: error calling mustDateModify: time: unknown unit "x" in duration "1x""#,
        ),
    ),
    (
        r#"{{ dateModify "1h" "2024-01-01" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:19: executing "inline" at <"2024-01-01">: can't handle "2024-01-01" for arg of type time.Time"#,
        ),
    ),
    (
        r#"{{ dateModify "1h" .s }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:19: executing "inline" at <.s>: wrong type for value; expected time.Time; got string"#,
        ),
    ),
    (
        r#"{{ unixEpoch .missing }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:13: executing "inline" at <.missing>: invalid value; expected time.Time"#,
        ),
    ),
    (
        r#"{{ duration "95" }}|{{ duration 95 }}|{{ duration .ts }}|{{ duration "x" }}|{{ durationRound "2h10m5s" }}|{{ durationRound 3600 }}|{{ durationRound .ts }}|{{ durationRound "-49h" }}|{{ durationRound "400d" }}|{{ durationRound "8760h1s" }}|{{ durationRound "1s" }}|{{ durationRound "1.5s" }}"#,
        Ok(r#"1m35s|0s|472222h13m20s|0s|2h|0s|1s|2d|0s|1y|0s|1s"#),
    ),
    (
        r#"{{ $t := toDate "2006-01-02 15:04" "2021-03-04 05:06" }}{{ $t.Year }}|{{ $t.Month }}|{{ $t.Day }}|{{ $t.Hour }}|{{ $t.Minute }}|{{ $t.YearDay }}|{{ $t.Weekday }}|{{ $t.Unix }}|{{ $t.Format "Jan 2, 2006" }}|{{ $t | typeOf }}|{{ $t | kindOf }}|{{ $t | toJson }}|{{ printf "%v|%s" $t $t }}|{{ $t.UTC }}|{{ (toDate "x" "y").IsZero }}"#,
        Ok(
            r#"2021|March|4|5|6|63|Thursday|1614834360|Mar 4, 2021|time.Time|struct|"2021-03-04T05:06:00Z"|2021-03-04 05:06:00 +0000 UTC|2021-03-04 05:06:00 +0000 UTC|2021-03-04 05:06:00 +0000 UTC|true"#,
        ),
    ),
    (
        r#"{{ (toDate "2006" "2020").Nope }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:18: executing "inline" at <"2020">: can't evaluate field Nope in type time.Time"#,
        ),
    ),
    (
        r#"{{ now | typeOf }}|{{ now | date "2006" | len }}|{{ ago .ts | typeOf }}|{{ unixEpoch now | len }}"#,
        Ok(r#"time.Time|4|string|10"#),
    ),
    (
        r#"{{ env "SPRIG_TEST_UNSET_VAR" }}|{{ expandenv "a${SPRIG_TEST_UNSET_VAR}b$ c$" }}|{{ expandenv "x${}y${z" }}"#,
        Ok(r#"|ab$ c$|xyz"#),
    ),
    (
        r#"{{ randInt 5 5 }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <randInt 5 5>: error calling randInt: invalid argument to Intn"#,
        ),
    ),
    (r#"{{ len uuidv4 }}"#, Ok(r#"36"#)),
    (
        r#"{{ derivePassword 1 "long" "password" "user" "example.com" }}|{{ derivePassword 2 "maximum" "pw" "u" "s" }}|{{ derivePassword 1 "pin" "p" "u" "s" }}|{{ derivePassword 1 "x" "p" "u" "s" }}"#,
        Ok(r#"ZedaFaxcZaso9*|S2$TYTKe9bU9YXWCqT@%|2461|cannot find password template x"#),
    ),
    (
        r#"{{ derivePassword .n "pin" "p" "u" "s" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:18: executing "inline" at <.n>: wrong type for value; expected uint32; got int64"#,
        ),
    ),
    (
        r#"{{ derivePassword -1 "pin" "p" "u" "s" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:18: executing "inline" at <-1>: expected unsigned integer; found -1"#,
        ),
    ),
    (
        r#"{{ decryptAES "secretkey" "A9+5D62hU5myxguh+nTaJGwmSJpvh6EygRZmWcWQsto=" }}|{{ decryptAES "k" "" }}|{{ encryptAES "k" "" }}|{{ htpasswd "a:b" "x" }}"#,
        Ok(r#"plaintext|||invalid username: a:b"#),
    ),
    (
        r#"{{ decryptAES "k" "YWJj" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <decryptAES "k" "YWJj">: error calling decryptAES: runtime error: slice bounds out of range [:16] with capacity 3"#,
        ),
    ),
    (
        r#"{{ decryptAES "k" "%%" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <decryptAES "k" "%%">: error calling decryptAES: illegal base64 data at input byte 0"#,
        ),
    ),
    (
        r#"{{ decryptAES "k" "YWJjZGVmZ2hpamtsbW5vcHFyc3Q=" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <decryptAES "k" "YWJjZGVmZ2hpamtsbW5vcHFyc3Q=">: error calling decryptAES: crypto/cipher: input not full blocks"#,
        ),
    ),
    (
        r#"{{ decryptAES "k" "YWJjZGVmZ2hpamtsbW5vcA==" }}"#,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <decryptAES "k" "YWJjZGVmZ2hpamtsbW5vcA==">: error calling decryptAES: runtime error: index out of range [-1]"#,
        ),
    ),
];

#[test]
fn matches_go() {
    let data = data();
    let mut failures = Vec::new();
    for (i, (template, want)) in CASES.iter().enumerate() {
        let got = render(template, &data).map_err(|e| e.to_string());
        let want = want.map(str::to_string).map_err(str::to_string);
        if got != want {
            failures.push(format!(
                "case {i}: {template:?}\n   got: {got:?}\n  want: {want:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Go:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

fn ok(template: &str) -> String {
    render(template, &data()).unwrap_or_else(|e| panic!("{template}: {e}"))
}

/// The random functions: lengths and character sets.
#[test]
fn random_strings() {
    let alnum = ok(r#"{{ randAlphaNum 40 }}"#);
    assert_eq!(alnum.len(), 40);
    assert!(alnum.chars().all(|c| c.is_ascii_alphanumeric()), "{alnum}");
    let alpha = ok(r#"{{ randAlpha 40 }}"#);
    assert!(alpha.len() == 40 && alpha.chars().all(|c| c.is_ascii_alphabetic()));
    let num = ok(r#"{{ randNumeric 40 }}"#);
    assert!(num.len() == 40 && num.chars().all(|c| c.is_ascii_digit()));
    // Printable ASCII; the output is trimmed, so check inside a delimiter.
    let ascii = ok(r#"[{{ randAscii 40 }}]"#);
    assert!(ascii.len() == 42 && ascii.chars().all(|c| (' '..='~').contains(&c)));
    let mut shuffled: Vec<char> = ok(r#"{{ shuffle "hello world" }}"#).chars().collect();
    shuffled.sort_unstable();
    let mut want: Vec<char> = "helloworld".chars().collect();
    want.sort_unstable();
    shuffled.retain(|c| *c != ' ');
    assert_eq!(shuffled, want);
    for _ in 0..20 {
        let n: i64 = ok(r#"{{ randInt 3 6 }}"#).parse().unwrap();
        assert!((3..6).contains(&n));
    }
    let u = ok(r#"{{ uuidv4 }}"#);
    let parsed = uuid::Uuid::parse_str(&u).unwrap();
    assert_eq!((u.len(), parsed.get_version_num()), (36, 4));
    assert_ne!(u, ok(r#"{{ uuidv4 }}"#));
}

/// `now`, `ago` and the monotonic reading Go prints.
#[test]
fn now_and_ago() {
    let now = ok(r#"{{ now }}"#);
    assert!(now.contains(" m=+"), "{now}");
    let year: i64 = ok(r#"{{ now | date "2006" }}"#).parse().unwrap();
    assert!(year >= 2024);
    let epoch: i64 = ok(r#"{{ now | unixEpoch }}"#).parse().unwrap();
    let sys = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((epoch - sys).abs() <= 2);
    assert_eq!(ok(r#"{{ ago now }}"#), "0s");
    assert_eq!(ok(r#"{{ now | dateModify "-2h" | ago }}"#), "2h0m0s");
    assert_eq!(
        ok(r#"{{ now | mustDateModify "-49h" | durationRound }}"#),
        "2d"
    );
    // A time from the data is Unix seconds.
    let ago = ok(r#"{{ ago .ts }}"#);
    assert!(ago.ends_with('s') && ago.contains('h'), "{ago}");
}

/// The environment and the resolver.
#[test]
fn environment() {
    let path = std::env::var("PATH").unwrap_or_default();
    assert_eq!(ok(r#"{{ env "PATH" }}"#), path.trim());
    assert_eq!(ok(r#"{{ expandenv "[$PATH]" }}"#), format!("[{path}]"));
    let ip = ok(r#"{{ getHostByName "localhost" }}"#);
    assert!(ip == "127.0.0.1" || ip == "::1", "{ip}");
}

/// AES round trips (also with a password longer than the key), random bytes, bcrypt hashes
/// that verify (and one made by Go).
#[test]
fn crypto_properties() {
    for (key, text) in [
        ("secretkey", "plaintext"),
        ("k", "0123456789abcdef"),
        (&*"long".repeat(20), "é ü"),
    ] {
        let t = format!(r#"{{{{ encryptAES "{key}" "{text}" | decryptAES "{key}" }}}}"#);
        assert_eq!(ok(&t), text);
    }
    let enc = ok(r#"{{ encryptAES "k" "0123456789abcdef" }}"#);
    assert_eq!(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &enc)
            .unwrap()
            .len(),
        48
    );
    assert_ne!(enc, ok(r#"{{ encryptAES "k" "0123456789abcdef" }}"#));
    let bytes = ok(r#"{{ randBytes 24 }}"#);
    assert_eq!(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &bytes)
            .unwrap()
            .len(),
        24
    );
    let h = ok(r#"{{ bcrypt "hello" }}"#);
    assert!(h.starts_with("$2a$10$") && h.len() == 60, "{h}");
    assert!(bcrypt::verify("hello", &h).unwrap());
    assert!(
        bcrypt::verify(
            "hello",
            "$2a$10$FBNd6UF77OsihsOOZeTBz.pSH89ke0.ZDdWGDHOZGLLgiMXLISkOC"
        )
        .unwrap()
    );
    let line = ok(r#"{{ htpasswd "admin" "pw" }}"#);
    let (user, hash) = line.split_once(':').unwrap();
    assert_eq!(user, "admin");
    assert!(bcrypt::verify("pw", hash).unwrap());
}
