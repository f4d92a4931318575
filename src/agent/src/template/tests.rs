//! Template behaviour checked against Go: every expectation below is what Go 1.26's
//! `text/template` with sprig v3.3.0 and the agent's hash functions produced for the same
//! template and data (upstream `TestRender` first), after the agent's trimming and error
//! prefixes.

use super::render;

/// The data most cases run on.
const D: &str = r#"{"s":"hello world","n":3,"neg":-7,"f":1.5,"big":1000000.0,"b":true,"z":null,"e":"","l":[1,"two",null,3.5],"strs":["b","a","c","a"],"m":{"k":"v","n":2,"nested":{"x":"y"}},"em":{},"el":[],"obj":{"metadata":{"name":"n1","namespace":"ns1"}},"html":"<a href=\"x\">'&'</a>","num":"42","fs":"3.75"}"#;

/// Upstream `TestRender`'s context: the crontab `my-crontab` in `default`.
const CRONTAB: &str = r#"{"Object":{"apiVersion":"kcp.example.com/v1","kind":"CronTab","metadata":{"creationTimestamp":null,"name":"my-crontab","namespace":"default"},"spec":{"image":"ubuntu:latest"}},"ClusterName":"12386rtr4u","ClusterPath":"root:yadda:yadda"}"#;

/// (template, data, Ok(output) or Err(error)).
#[allow(clippy::type_complexity)]
const CASES: &[(&str, &str, Result<&str, &str>)] = &[
    (
        r#"{{ .Object.spec.image }}"#,
        CRONTAB,
        Ok(r#"ubuntu:latest"#),
    ),
    (
        r#"{{ .Object.spec.spec | default "test" }}"#,
        CRONTAB,
        Ok(r#"test"#),
    ),
    (
        r#"{{ .Object.does.not.exist | default "test" }}"#,
        CRONTAB,
        Ok(r#"test"#),
    ),
    (
        r#"foo-{{ .ClusterName | len }}"#,
        r#"{"ClusterName":"1084s8ceexsehjm2"}"#,
        Ok(r#"foo-16"#),
    ),
    (
        r#"  {{ list "fi" "nd" | join "-" }} "#,
        r#"{}"#,
        Ok(r#"fi-nd"#),
    ),
    (
        r#"
{{ lower "ME" }}
 "#,
        r#"{}"#,
        Ok(r#"me"#),
    ),
    (
        r#"{{ .s }}|{{ .n }}|{{ .f }}|{{ .big }}|{{ .b }}|{{ .z }}|{{ .missing }}|{{ .l }}|{{ .m }}|{{ .em }}|{{ .el }}"#,
        D,
        Ok(
            r#"hello world|3|1.5|1e+06|true|<no value>|<no value>|[1 two <nil> 3.5]|map[k:v n:2 nested:map[x:y]]|map[]|[]"#,
        ),
    ),
    (
        r#"{{ .m.nested.x }}|{{ .m.nested.missing.deeper }}|{{ .missing.a.b }}"#,
        D,
        Ok(r#"y|<no value>|<no value>"#),
    ),
    (
        r#"{{ .z.a }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:5: executing "inline" at <.z.a>: nil pointer evaluating interface {}.a"#,
        ),
    ),
    (
        r#"{{ .s.foo }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:5: executing "inline" at <.s.foo>: can't evaluate field foo in type interface {}"#,
        ),
    ),
    (
        r#"{{ (.s).foo }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:4: executing "inline" at <.s>: can't evaluate field foo in type string"#,
        ),
    ),
    (
        r#"{{ $x := .s }}{{ $x.foo }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:19: executing "inline" at <$x.foo>: can't evaluate field foo in type string"#,
        ),
    ),
    (r#"a  {{- .s -}}  b"#, D, Ok(r#"ahello worldb"#)),
    (r#"a {{- /* comment */ -}} b{{/* c2 */}}c"#, D, Ok(r#"abc"#)),
    (
        r#"{{/* unclosed"#,
        D,
        Err(r#"failed to parse: template: inline:1: unclosed comment"#),
    ),
    (
        r#"{{ .s }"#,
        D,
        Err(r#"failed to parse: template: inline:1: unexpected "}" in operand"#),
    ),
    (
        r#"{{ .s"#,
        D,
        Err(r#"failed to parse: template: inline:1: unclosed action"#),
    ),
    (
        r#"{{ if .b }}yes{{ else }}no{{ end }}|{{ if .e }}yes{{ else if .n }}n{{ else }}no{{ end }}|{{ if .missing }}y{{ else }}n{{ end }}"#,
        D,
        Ok(r#"yes|n|n"#),
    ),
    (
        r#"{{ if .em }}y{{ else }}n{{ end }}{{ if .el }}y{{ else }}n{{ end }}{{ if 0 }}y{{ else }}n{{ end }}{{ if 0.0 }}y{{ else }}n{{ end }}{{ if "" }}y{{ else }}n{{ end }}{{ if .z }}y{{ else }}n{{ end }}"#,
        D,
        Ok(r#"nnnnnn"#),
    ),
    (
        r#"{{ with .m }}{{ .k }}{{ end }}|{{ with .missing }}x{{ else }}none{{ end }}|{{ with .e }}x{{ else with .s }}{{ . }}{{ end }}"#,
        D,
        Ok(r#"v|none|hello world"#),
    ),
    (
        r#"{{ range .l }}[{{ . }}]{{ end }}"#,
        D,
        Ok(r#"[1][two][<no value>][3.5]"#),
    ),
    (
        r#"{{ range $i, $v := .strs }}{{ $i }}={{ $v }},{{ end }}"#,
        D,
        Ok(r#"0=b,1=a,2=c,3=a,"#),
    ),
    (
        r#"{{ range $k, $v := .m }}{{ $k }}:{{ $v }};{{ end }}"#,
        D,
        Ok(r#"k:v;n:2;nested:map[x:y];"#),
    ),
    (
        r#"{{ range .el }}x{{ else }}empty{{ end }}|{{ range .missing }}x{{ else }}none{{ end }}"#,
        D,
        Ok(r#"empty|none"#),
    ),
    (
        r#"{{ range $i, $v := .l }}{{ if eq $i 2 }}{{ break }}{{ end }}{{ $v }},{{ end }}"#,
        D,
        Ok(r#"1,two,"#),
    ),
    (
        r#"{{ range $i, $v := .l }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ $v }},{{ end }}"#,
        D,
        Ok(r#"1,<no value>,3.5,"#),
    ),
    (r#"{{ range 3 }}{{ . }}{{ end }}"#, D, Ok(r#"012"#)),
    (
        r#"{{ range .s }}{{ end }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:9: executing "inline" at <.s>: range can't iterate over hello world"#,
        ),
    ),
    (
        r#"{{ range .l }}{{ .x }}{{ end }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:17: executing "inline" at <.x>: can't evaluate field x in type interface {}"#,
        ),
    ),
    (
        r#"{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}"#,
        D,
        Ok(r#"2"#),
    ),
    (
        r#"{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ end }}{{ $x }}"#,
        D,
        Ok(r#"1"#),
    ),
    (r#"{{ $ }}"#, r#"{"a":1}"#, Ok(r#"map[a:1]"#)),
    (
        r#"{{ with .m }}{{ $.s }}{{ end }}"#,
        D,
        Ok(r#"hello world"#),
    ),
    (
        r#"{{ $y }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: undefined variable "$y""#),
    ),
    (
        r#"{{ nofunc 1 }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: function "nofunc" not defined"#),
    ),
    (r#"{{ "a" | printf "%s-%s" "b" }}"#, D, Ok(r#"b-a"#)),
    (
        r#"{{ (print "a" "b") }}|{{ (len .strs) }}|{{ print (len .l) }}"#,
        D,
        Ok(r#"ab|4|4"#),
    ),
    (
        r#"{{ 1 }} {{ 1.5 }} {{ 1e3 }} {{ 0x1F }} {{ 'a' }} {{ -3 }} {{ true }} {{ "q\tx" }} {{ `raw\n` }}"#,
        D,
        Ok(r#"1 1.5 1000 31 97 -3 true q	x raw\n"#),
    ),
    (
        r#"{{ nil }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <nil>: nil is not a command"#,
        ),
    ),
    (
        r#"{{ .s 1 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <.s>: s is not a method but has arguments"#,
        ),
    ),
    (
        r#"{{ 1 | 2 }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: non executable command in pipeline stage 2"#),
    ),
    (
        r#"{{ end }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: unexpected {{end}}"#),
    ),
    (
        r#"{{ else }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: unexpected {{else}}"#),
    ),
    (
        r#"{{ if .b }}x"#,
        D,
        Err(r#"failed to parse: template: inline:1: unexpected EOF"#),
    ),
    (
        r#"{{ break }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: {{break}} outside {{range}}"#),
    ),
    (r#"{{ define "x" }}y{{ end }}"#, D, Ok(r#""#)),
    (
        r#"{{ and 1 0 2 }}|{{ and 1 2 }}|{{ or 0 "" "x" }}|{{ or 0 "" }}|{{ not .b }}|{{ not .missing }}|{{ and .missing 1 }}"#,
        D,
        Ok(r#"0|2|x||false|true|<no value>"#),
    ),
    (
        r#"{{ eq .n 3 }}|{{ eq .s "hello world" }}|{{ eq .n 1 2 3 }}|{{ ne .n 3 }}|{{ lt 1 2 }}|{{ le 2 2 }}|{{ gt "b" "a" }}|{{ ge 1.5 2.5 }}|{{ eq .missing "x" }}|{{ eq .missing .z }}"#,
        D,
        Ok(r#"true|true|true|false|true|true|true|false|false|true"#),
    ),
    (
        r#"{{ eq .n 1.5 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <eq .n 1.5>: error calling eq: incompatible types for comparison: int64 and float64"#,
        ),
    ),
    (
        r#"{{ lt .b true }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <lt .b true>: error calling lt: invalid type for comparison"#,
        ),
    ),
    (
        r#"{{ eq .m .m }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <eq .m .m>: error calling eq: non-comparable type map[k:v n:%!s(int64=2) nested:map[x:y]]: map[string]interface {}"#,
        ),
    ),
    (
        r#"{{ len .s }}|{{ len .l }}|{{ len .m }}|{{ len "héllo" }}"#,
        D,
        Ok(r#"11|4|3|6"#),
    ),
    (
        r#"{{ len .missing }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <len .missing>: error calling len: reflect: call of reflect.Value.Type on zero Value"#,
        ),
    ),
    (
        r#"{{ len .n }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <len .n>: error calling len: len of type int64"#,
        ),
    ),
    (
        r#"{{ index .m "k" }}|{{ index .l 1 }}|{{ index .m "nested" "x" }}|{{ index .m "zz" }}|{{ index "abc" 1 }}"#,
        D,
        Ok(r#"v|two|y|<no value>|98"#),
    ),
    (
        r#"{{ index .l 9 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <index .l 9>: error calling index: index out of range: 9"#,
        ),
    ),
    (
        r#"{{ index .l 4 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <index .l 4>: error calling index: reflect: slice index out of range"#,
        ),
    ),
    (
        r#"{{ index .missing 1 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <index .missing 1>: error calling index: index of untyped nil"#,
        ),
    ),
    (
        r#"{{ print "a" 1 2 "b" true nil }}|{{ println "a" 1 }}|{{ print .missing }}|{{ print .l }}"#,
        D,
        Ok(r#"a1 2btrue <nil>|a 1
|<nil>|[1 two <nil> 3.5]"#),
    ),
    (
        r#"{{ printf "%d %s %v %q %x %5.2f|%-4d|%T %T %T" 1 "a" .m "q" "hi" 3.14159 7 .m .n .f }}"#,
        D,
        Ok(
            r#"1 a map[k:v n:2 nested:map[x:y]] "q" 6869  3.14|7   |map[string]interface {} int64 float64"#,
        ),
    ),
    (
        r#"{{ printf "%d" "s" }}|{{ printf "%s" }}|{{ printf "%s" 1 2 }}|{{ printf "%v %s" .missing .z }}|{{ printf "%05d|%+d|%x|%X|%o|%c|%q" -42 5 255 255 8 65 65 }}"#,
        D,
        Ok(
            r#"%!d(string=s)|%!s(MISSING)|%!s(int=1)%!(EXTRA int=2)|<nil> %!s(<nil>)|-0042|+5|ff|FF|10|A|'A'"#,
        ),
    ),
    (
        r#"{{ printf "%e|%g|%.3g|%6.1f%%|%t|%v" 1234.5678 1e6 1234.5678 2.25 true .l }}"#,
        D,
        Ok(r#"1.234568e+03|1e+06|1.23e+03|   2.2%|true|[1 two <nil> 3.5]"#),
    ),
    (
        r#"{{ html .html }}|{{ js .html }}|{{ urlquery "a b&c=d/é" }}|{{ html .missing }}|{{ urlquery 1 2 }}"#,
        D,
        Ok(
            r#"&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;|\u003Ca href\u003D\"x\"\u003E\'\u0026\'\u003C/a\u003E|a+b%26c%3Dd%2F%C3%A9|&lt;no value&gt;|1+2"#,
        ),
    ),
    (
        r#"{{ call .m }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <call .m>: error calling call: non-function .m of type map[string]interface {}"#,
        ),
    ),
    (
        r#"{{ .n | printf "%d-%s" "x" }}"#,
        D,
        Ok(r#"%!d(string=x)-%!s(int64=3)"#),
    ),
    (r#"{{ .missing | printf "%v" }}"#, D, Ok(r#"<nil>"#)),
    (
        r#"{{ upper .missing }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:9: executing "inline" at <.missing>: invalid value; expected string"#,
        ),
    ),
    (
        r#"{{ .missing | upper }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:14: executing "inline" at <upper>: invalid value; expected string"#,
        ),
    ),
    (
        r#"{{ upper .z }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:9: executing "inline" at <.z>: wrong type for value; expected string; got interface {}"#,
        ),
    ),
    (
        r#"{{ upper .n }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:9: executing "inline" at <.n>: wrong type for value; expected string; got int64"#,
        ),
    ),
    (
        r#"{{ upper 3 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:9: executing "inline" at <3>: expected string; found 3"#,
        ),
    ),
    (
        r#"{{ trunc .n "hello" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:9: executing "inline" at <.n>: wrong type for value; expected int; got int64"#,
        ),
    ),
    (
        r#"{{ trunc 1.5 "hello" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:9: executing "inline" at <1.5>: expected integer; found 1.5"#,
        ),
    ),
    (
        r#"{{ upper nil }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:9: executing "inline" at <nil>: cannot assign nil to string"#,
        ),
    ),
    (
        r#"{{ repeat }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <repeat>: wrong number of args for repeat: want 2 got 0"#,
        ),
    ),
    (
        r#"{{ trim "a" "b" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <trim>: wrong number of args for trim: want 1 got 2"#,
        ),
    ),
    (
        r#"{{ trim "   hello    " }}|{{ trimAll "$" "$5.00" }}|{{ trimSuffix "-" "hello-" }}|{{ trimPrefix "-" "-hello" }}|{{ upper "hello" }}|{{ lower "HELLO" }}|{{ title "hello world" }}"#,
        D,
        Ok(r#"hello|5.00|hello|hello|HELLO|hello|Hello World"#),
    ),
    (
        r#"{{ repeat 3 "hello" }}|{{ substr 0 5 "hello world" }}|{{ nospace "hello w o r l d" }}|{{ trunc 5 "hello world" }}|{{ trunc -5 "hello world" }}|{{ trunc 50 "hi" }}"#,
        D,
        Ok(r#"hellohellohello|hello|helloworld|hello|world|hi"#),
    ),
    (
        r#"{{ abbrev 5 "hello world" }}|{{ abbrevboth 5 10 "1234 5678 9123" }}|{{ abbrev 3 "hello" }}|{{ abbrev 20 "hello" }}"#,
        D,
        Ok(r#"he...|...5678...|hello|hello"#),
    ),
    (
        r#"{{ contains "cat" "catch" }}|{{ hasPrefix "cat" "catch" }}|{{ hasSuffix "cat" "catch" }}|{{ cat "hello" "beautiful" "world" }}|{{ cat "a" nil 1 .l }}"#,
        D,
        Ok(r#"true|true|false|hello beautiful world|a 1 [1 two <nil> 3.5]"#),
    ),
    (
        r#"{{ quote "a" 1 nil "b\"c" }}|{{ squote "a" 1 nil }}|{{ .s | quote }}"#,
        D,
        Ok(r#""a" "1" "b\"c"|'a' '1'|"hello world""#),
    ),
    (
        r#"[{{ indent 4 "a\nb" }}]|[{{ nindent 2 "x" }}]"#,
        D,
        Ok(r#"[    a
    b]|[
  x]"#),
    ),
    (
        r#"{{ replace " " "-" "I Am Henry VIII" }}|{{ len .strs | plural "one anchovy" "many anchovies" }}|{{ 1 | plural "one" "many" }}"#,
        D,
        Ok(r#"I-Am-Henry-VIII|many anchovies|one"#),
    ),
    (
        r#"{{ substr 2 100 "hello" }}|{{ substr -1 2 "hello" }}|{{ substr 1 -1 "hello" }}"#,
        D,
        Ok(r#"llo|he|ello"#),
    ),
    (
        r#"{{ substr 3 2 "hello" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <substr 3 2 "hello">: error calling substr: runtime error: slice bounds out of range [3:2]"#,
        ),
    ),
    (
        r#"{{ substr 7 9 "hello" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <substr 7 9 "hello">: error calling substr: runtime error: slice bounds out of range [7:5]"#,
        ),
    ),
    (
        r#"{{ repeat -1 "x" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <repeat -1 "x">: error calling repeat: strings: negative Repeat count"#,
        ),
    ),
    (
        r#"{{ title "hello wORLD-foo_bar baz.qux" }}|{{ swapcase "This Is A.Test" }}|{{ untitle "Hello World" }}"#,
        D,
        Ok(r#"Hello WORLD-Foo_bar Baz.Qux|tHIS iS a.tEST|hello world"#),
    ),
    (
        r#"{{ toString 1 }}|{{ toString .f }}|{{ toString .l }}|{{ toString .missing }}|{{ toString .s }}"#,
        D,
        Ok(r#"1|1.5|[1 two <nil> 3.5]|<nil>|hello world"#),
    ),
    (
        r#"{{ list "hello" "world" | join "_" }}|{{ list 1 2 3 | join "+" }}|{{ splitList "$" "foo$bar$baz" }}|{{ join "," .l }}|{{ join "," "x" }}|{{ join "," .missing }}"#,
        D,
        Ok(r#"hello_world|1+2+3|[foo bar baz]|1,two,3.5|x|"#),
    ),
    (
        r#"{{ $a := split "$" "foo$bar$baz" }}{{ $a._0 }}|{{ $a }}|{{ splitn "$" 2 "foo$bar$baz" }}|{{ splitList "" "abc" }}|{{ splitList "," "" }}"#,
        D,
        Ok(r#"foo|map[_0:foo _1:bar _2:baz]|map[_0:foo _1:bar$baz]|[a b c]|[]"#),
    ),
    (
        r#"{{ sortAlpha .strs }}|{{ sortAlpha "x" }}|{{ toStrings .l }}"#,
        D,
        Ok(r#"[a a b c]|[x]|[1 two 3.5]"#),
    ),
    (
        r#"{{ default "foo" .missing }}|{{ default "foo" .s }}|{{ default "foo" "" }}|{{ default "foo" 0 }}|{{ default "foo" .em }}|{{ default "foo" .z }}|{{ .n | default 5 }}|{{ default "foo" }}"#,
        D,
        Ok(r#"foo|hello world|foo|foo|foo|foo|3|foo"#),
    ),
    (
        r#"{{ empty .missing }}|{{ empty .s }}|{{ empty 0 }}|{{ empty .el }}|{{ empty false }}|{{ empty .obj }}"#,
        D,
        Ok(r#"true|false|true|true|true|false"#),
    ),
    (
        r#"{{ coalesce 0 1 2 }}|{{ coalesce .missing .e "Matt" }}|{{ coalesce 0 "" }}|{{ all 0 1 2 }}|{{ any 0 1 2 }}|{{ all }}|{{ any }}"#,
        D,
        Ok(r#"1|Matt|<no value>|false|true|true|false"#),
    ),
    (
        r#"{{ ternary "foo" "bar" true }}|{{ true | ternary "foo" "bar" }}|{{ ternary "foo" "bar" false }}|{{ false | ternary "foo" "bar" }}"#,
        D,
        Ok(r#"foo|foo|bar|bar"#),
    ),
    (
        r#"{{ ternary "foo" "bar" 1 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:23: executing "inline" at <1>: expected bool; found 1"#,
        ),
    ),
    (
        r#"{{ compact (list 1 0 "" "a" nil .z) }}|{{ toJson .m }}|{{ toJson .l }}|{{ toJson .html }}|{{ toRawJson .html }}|{{ toJson .missing }}|{{ toJson 1.5 }}|{{ toJson .big }}"#,
        D,
        Ok(
            r#"[1 a]|{"k":"v","n":2,"nested":{"x":"y"}}|[1,"two",null,3.5]|"\u003ca href=\"x\"\u003e'\u0026'\u003c/a\u003e"|"<a href=\"x\">'&'</a>"|null|1.5|1000000"#,
        ),
    ),
    (
        r#"{{ toPrettyJson .m }}"#,
        D,
        Ok(r#"{
  "k": "v",
  "n": 2,
  "nested": {
    "x": "y"
  }
}"#),
    ),
    (
        r#"{{ fromJson "{\"foo\": 55}" }}|{{ (fromJson "{\"foo\": 55}").foo }}|{{ fromJson "bad" }}"#,
        D,
        Ok(r#"map[foo:55]|55|<no value>"#),
    ),
    (
        r#"{{ mustFromJson "bad" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <mustFromJson "bad">: error calling mustFromJson: invalid character 'b' looking for beginning of value"#,
        ),
    ),
    (
        r#"{{ b64enc "hello" }}|{{ b64dec "aGVsbG8=" }}|{{ b64dec "!!" }}|{{ sha1sum "Hello world!" }}|{{ sha256sum "Hello world!" }}|{{ adler32sum "Hello world!" }}"#,
        D,
        Ok(
            r#"aGVsbG8=|hello|illegal base64 data at input byte 0|d3486ae9136e7856bc42212385ea797094475802|c0535e4be2b79ffd93291305436bf889314e4a3faec05ecffcbb7df31ad9e51a|487130206"#,
        ),
    ),
    (
        r#"{{ sha3sum "" }}|{{ sha3sum "objname" }}|{{ sha3short "objname" }}|{{ sha3short "objname" 8 }}|{{ sha3short "objname" 100 }}|{{ "objnamespace" | sha3short }}"#,
        D,
        Ok(
            r#"a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a|73d08a1ba188f1340daedff377219a9888bc559c6f847c035e3c320b674bef42|73d08a1ba188f1340dae|73d08a1b|73d08a1ba188f1340daedff377219a9888bc559c6f847c035e3c320b674bef42|2928c2aa0e510f017f07"#,
        ),
    ),
    (
        r#"{{ sha3short "x" 0 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <sha3short "x" 0>: error calling sha3short: sha3short: invalid length 0"#,
        ),
    ),
    (
        r#"{{ sha3short "x" -3 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <sha3short "x" -3>: error calling sha3short: sha3short: invalid length -3"#,
        ),
    ),
    (
        r#"{{ sha3short "x" 1 2 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <sha3short "x" 1 2>: error calling sha3short: sha3short: expected at most one length argument, got 2"#,
        ),
    ),
    (
        r#"{{ sha3short .n }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:13: executing "inline" at <.n>: wrong type for value; expected string; got int64"#,
        ),
    ),
    (
        r#"{{ sha3short "x" .n }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:17: executing "inline" at <.n>: wrong type for value; expected int; got int64"#,
        ),
    ),
    (
        r#"{{ shortHash "objname" }}|{{ shortHash .m }}|{{ shortHash .l }}|{{ shortHash .n }}|{{ shortHash .missing }}|{{ shortHash 1 }}|{{ shortHash .html }}"#,
        D,
        Ok(
            r#"8b09d63c82efb771a2c5|b0463226ef67db02f272|8be224d447a951b329b4|a3db5c13ff90a3696327|d910b02871075d3156ec|e5fa44f2b31c1fb553b6|3cce63da23db03d5a017"#,
        ),
    ),
    (
        r#"{{ regexMatch "^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$" "test@acme.com" }}|{{ regexFindAll "[2,4,6,8]" "123456789" -1 }}|{{ regexFind "[a-zA-Z][1-9]" "abcd1234" }}"#,
        D,
        Ok(r#"true|[2 4 6 8]|d1"#),
    ),
    (
        r#"{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}|{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}|{{ regexSplit "z+" "pizza" -1 }}|{{ regexQuoteMeta "1.2.3" }}"#,
        D,
        Ok(r#"-W-xxW-|-${1}-${1}-|[pi a]|1\.2\.3"#),
    ),
    (
        r#"{{ regexReplaceAll "a*" "baaac" "X" }}|{{ regexFindAll "a*" "baaac" -1 }}|{{ regexSplit "a*" "baaac" -1 }}|{{ regexFindAll "." "abc" 2 }}|{{ regexFindAll "." "abc" 0 }}|{{ regexSplit "," "a,b,c" 2 }}|{{ regexReplaceAll "(?P<x>b)" "abc" "[$x$1]" }}"#,
        D,
        Ok(r#"XbXcX|[ aaa ]|[b c]|[a b]|[]|[a b,c]|a[bb]c"#),
    ),
    (r#"{{ regexMatch "[" "x" }}"#, D, Ok(r#"false"#)),
    (
        r#"{{ regexFind "[" "x" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <regexFind "[" "x">: error calling regexFind: regexp: Compile(`[`): error parsing regexp: missing closing ]: `[`"#,
        ),
    ),
    (
        r#"{{ mustRegexFind "[" "x" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <mustRegexFind "[" "x">: error calling mustRegexFind: error parsing regexp: missing closing ]: `[`"#,
        ),
    ),
    (
        r#"{{ list 1 2 3 }}|{{ first .l }}|{{ last .l }}|{{ rest .l }}|{{ initial .l }}|{{ first .el }}|{{ rest .el }}|{{ append .strs "d" }}|{{ prepend .strs "z" }}"#,
        D,
        Ok(r#"[1 2 3]|1|3.5|[two <nil> 3.5]|[1 two <nil>]|<no value>|[]|[b a c a d]|[z b a c a]"#),
    ),
    (
        r#"{{ concat (list 1 2) (list 3) .strs }}|{{ uniq .strs }}|{{ without .strs "a" "c" }}|{{ has "a" .strs }}|{{ has 1 .l }}|{{ has 4 .strs }}|{{ has "x" .missing }}|{{ reverse .strs }}"#,
        D,
        Ok(r#"[1 2 3 b a c a]|[b a c]|[b]|true|false|false|false|[a c a b]"#),
    ),
    (
        r#"{{ has 1 (list 1 2) }}|{{ slice .strs 1 3 }}|{{ slice .strs 2 }}|{{ slice .strs }}|{{ slice .el 1 }}|{{ tuple 1 "a" }}"#,
        D,
        Ok(r#"true|[a c]|[c a]|[b a c a]|<no value>|[1 a]"#),
    ),
    (
        r#"{{ first "abc" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <first "abc">: error calling first: Cannot find first on type string"#,
        ),
    ),
    (
        r#"{{ first .missing }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <first .missing>: error calling first: runtime error: invalid memory address or nil pointer dereference"#,
        ),
    ),
    (
        r#"{{ concat .strs "x" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <concat .strs "x">: error calling concat: Cannot concat type string as list"#,
        ),
    ),
    (
        r#"{{ slice .strs 3 1 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <slice .strs 3 1>: error calling slice: reflect.Value.Slice: slice index out of bounds"#,
        ),
    ),
    (
        r#"{{ $d := dict "a" 1 "b" "two" "c" }}{{ $d }}|{{ get $d "a" }}|{{ get $d "zz" }}|{{ hasKey $d "b" }}|{{ keys $d | sortAlpha }}|{{ values (dict "x" 1) }}|{{ pick $d "a" "c" }}|{{ omit $d "a" }}|{{ set $d "z" 9 }}|{{ unset (dict "a" 1 "b" 2) "a" }}"#,
        D,
        Ok(
            r#"map[a:1 b:two c:]|1||true|[a b c]|[1]|map[a:1 c:]|map[b:two c:]|map[a:1 b:two c: z:9]|map[b:2]"#,
        ),
    ),
    (
        r#"{{ pluck "k" .m (dict "k" "w") (dict) }}|{{ dig "nested" "x" "def" .m }}|{{ dig "nested" "nope" "def" .m }}|{{ hasKey .missing "a" }}"#,
        D,
        Ok(r#"[v w]|y|def|false"#),
    ),
    (
        r#"{{ hasKey "x" "a" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:10: executing "inline" at <"x">: can't handle "x" for arg of type map[string]interface {}"#,
        ),
    ),
    (
        r#"{{ hasKey .s "a" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:10: executing "inline" at <.s>: wrong type for value; expected map[string]interface {}; got string"#,
        ),
    ),
    (
        r#"{{ int "42" }}|{{ int64 "0x1F" }}|{{ int "010" }}|{{ int "12.000" }}|{{ int "abc" }}|{{ int 3.9 }}|{{ int true }}|{{ float64 "3.75" }}|{{ float64 2 }}|{{ float64 "x" }}|{{ atoi "12" }}|{{ atoi "1.5" }}"#,
        D,
        Ok(r#"42|31|8|12|0|3|1|3.75|2|0|12|0"#),
    ),
    (
        r#"{{ add 1 2 3 }}|{{ add .n "4" 1.9 }}|{{ sub 5 7 }}|{{ mul 2 3 4 }}|{{ div 7 2 }}|{{ mod 7 2 }}|{{ max 1 9 3 }}|{{ min 4 -2 8 }}|{{ add1 .n }}|{{ biggest 1 2 }}"#,
        D,
        Ok(r#"6|8|-2|24|3|1|9|-2|4|2"#),
    ),
    (
        r#"{{ div 1 0 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <div 1 0>: error calling div: runtime error: integer divide by zero"#,
        ),
    ),
    (
        r#"{{ maxf 1 2.5 }}|{{ minf 1 2.5 }}|{{ floor 1.7 }}|{{ ceil 1.2 }}|{{ round 123.555555 3 }}|{{ round 1.5 0 }}|{{ until 5 }}|{{ untilStep 3 6 2 }}|{{ seq 5 }}|{{ seq 2 -2 }}|{{ seq 0 2 10 }}"#,
        D,
        Ok(r#"2.5|1|1|2|123.556|2|[0 1 2 3 4]|[3 5]|1 2 3 4 5|2 1 0 -1 -2|0 2 4 6 8 10"#),
    ),
    (
        r#"{{ typeOf .n }}|{{ typeOf .f }}|{{ typeOf .l }}|{{ typeOf 1 }}|{{ typeOf .missing }}|{{ kindOf .m }}|{{ kindIs "slice" .l }}|{{ typeIs "string" .s }}|{{ deepEqual .l .l }}|{{ deepEqual 1 .n }}"#,
        D,
        Ok(r#"int64|float64|[]interface {}|int|<nil>|map|true|true|true|false"#),
    ),
    (
        r#"{{ fail "boom" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <fail "boom">: error calling fail: boom"#,
        ),
    ),
    (
        r#"{{ define "T" }}[{{ . }}{{ $ }}]{{ end }}{{ template "T" .s }}|{{ template "T" }}|{{ block "B" .n }}<{{ . }}>{{ end }}"#,
        D,
        Ok(r#"[hello worldhello world]|[<no value><no value>]|<3>"#),
    ),
    (
        r#"{{ template "nope" }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:12: executing "inline" at <{{template "nope"}}>: template "nope" not defined"#,
        ),
    ),
    (
        r#"{{ define "E" }}{{ .x | upper }}{{ end }}{{ template "E" .m }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:24: executing "E" at <upper>: invalid value; expected string"#,
        ),
    ),
    (
        r#"{{ if .b }}{{ define "x" }}{{ end }}{{ end }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: unexpected <define> in command"#),
    ),
    (
        r#"{{ $x := 1 }}{{ define "V" }}{{ $x }}{{ end }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: undefined variable "$x""#),
    ),
    (
        r#"{{ .l.x }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:5: executing "inline" at <.l.x>: can't evaluate field x in type interface {}"#,
        ),
    ),
    (
        r#"{{ index .m 1 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <index .m 1>: error calling index: value has type int; should be string"#,
        ),
    ),
    (
        r#"{{ printf "%s" .m }}|{{ printf "%d" .l }}|{{ printf "%q" .strs }}|{{ printf "%v" .obj }}|{{ printf "%08.3f" -3.14159 }}|{{ printf "%-8s|%8s" "ab" "cd" }}|{{ printf "%.2s" "abc" }}"#,
        D,
        Ok(
            r#"map[k:v n:%!s(int64=2) nested:map[x:y]]|[1 %!d(string=two) <nil> %!d(float64=3.5)]|["b" "a" "c" "a"]|map[metadata:map[name:n1 namespace:ns1]]|-003.142|ab      |      cd|ab"#,
        ),
    ),
    (
        r#"{{ 1.0 }} {{ 1e21 }} {{ 1e-7 }} {{ 123456789.0 }} {{ .big | printf "%v" }} {{ toJson 1e21 }} {{ toJson 1e-7 }} {{ float64 "1e6" }}"#,
        D,
        Ok(r#"1 1e+21 1e-07 1.23456789e+08 1e+06 1e+21 1e-7 1e+06"#),
    ),
    (
        r#"{{ $i := 0 }}{{ range $i = .strs }}{{ end }}{{ $i }}"#,
        D,
        Ok(r#"a"#),
    ),
    (
        r#"{{ range $i, $v := 3 }}{{ end }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:19: executing "inline" at <3>: can't use 3 to iterate over more than one variable"#,
        ),
    ),
    (
        r#"{{ with $x := .m.k }}{{ $x }}{{ . }}{{ end }}"#,
        D,
        Ok(r#"vv"#),
    ),
    (
        r#"{{ ( .m ).k }}|{{ (dict "a" (dict "b" 5)).a.b }}"#,
        D,
        Ok(r#"v|5"#),
    ),
    (
        r#"{{ nil.x }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: unexpected . after term "nil""#),
    ),
    (
        r#"{{ "x".y }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: unexpected . after term "\"x\"""#),
    ),
    (r#"{{ .s | len | printf "%03d" }}"#, D, Ok(r#"011"#)),
    (
        r#"{{ -}}"#,
        D,
        Err(r#"failed to parse: template: inline:1: missing value for command"#),
    ),
    (r#"{{- .s -}}"#, D, Ok(r#"hello world"#)),
    (
        r#"{{ 'ab' }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: malformed character constant: 'ab'"#),
    ),
    (
        r#"{{ "unterminated }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: unterminated quoted string"#),
    ),
    (
        r#"{{ 99999999999999999999 }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: integer overflow: "99999999999999999999""#),
    ),
    (
        r#"{{ 1a }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: bad number syntax: "1a""#),
    ),
    (r#"{{ .s | }}"#, D, Ok(r#"hello world"#)),
    (
        r#"{{ ( }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: unclosed left paren"#),
    ),
    (
        r#"{{ ) }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: unexpected right paren"#),
    ),
    (
        r#"{{ .s = 1 }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: unexpected "=" in operand"#),
    ),
    (
        r#"{{ $x = 1 }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:8: executing "inline" at <1>: undefined variable: $x"#,
        ),
    ),
    (
        r#"{{ range $a, $b, $c := .l }}{{ end }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: too many declarations in range"#),
    ),
    (
        r#"{{ if }}{{ end }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: missing value for if"#),
    ),
    (
        r#"{{ .Foo@ }}"#,
        D,
        Err(r#"failed to parse: template: inline:1: bad character U+0040 '@'"#),
    ),
    (
        r#"a
{{ .s }}
{{ upper .missing }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:3:9: executing "inline" at <.missing>: invalid value; expected string"#,
        ),
    ),
    (
        r#"{{ with .m }}
  {{ .nested.x.y }}{{ end }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:2:12: executing "inline" at <.nested.x.y>: can't evaluate field y in type interface {}"#,
        ),
    ),
    (
        r#"{{ $myList := list 1 2 3 4 5 }}{{ first $myList }}|{{ rest $myList }}|{{ last $myList }}|{{ initial $myList }}|{{ append $myList 6 }}|{{ prepend $myList 0 }}|{{ concat $myList ( list 6 7 ) ( list 8 ) }}|{{ reverse $myList }}|{{ list 1 1 1 2 | uniq }}|{{ without $myList 3 }}|{{ without $myList 1 3 5 }}|{{ has 4 $myList }}|{{ compact (list 1 "a" "foo" "") }}|{{ slice $myList 1 3 }}|{{ chunk 3 (list 1 2 3 4 5 6 7 8) }}|{{ chunk 2 .el }}|{{ mustFirst $myList }}"#,
        D,
        Ok(
            r#"1|[2 3 4 5]|5|[1 2 3 4]|[1 2 3 4 5 6]|[0 1 2 3 4 5]|[1 2 3 4 5 6 7 8]|[5 4 3 2 1]|[1 2]|[1 2 4 5]|[2 4]|true|[1 a foo]|[2 3]|[[1 2 3] [4 5 6] [7 8]]|[]|1"#,
        ),
    ),
    (
        r#"{{ add 1 2 3 }}|{{ mul 1 2 3 }}|{{ max 1 2 3 }}|{{ min 1 2 3 }}|{{ floor 123.9999 }}|{{ ceil 123.001 }}|{{ round 123.555555 3 }}|{{ maxf 1 2.5 3 }}|{{ minf 1.5 2 3 }}|{{ list 1 2 3 | toStrings }}|{{ kindOf "hello" }}|{{ kindIs "int" 123 }}|{{ deepEqual (list 1 2 3) (list 1 2 3) }}"#,
        D,
        Ok(r#"6|6|3|1|123|124|123.556|3|1.5|[1 2 3]|string|true|true"#),
    ),
    (
        r#"{{ $myDict := dict "name1" "value1" "name2" "value2" "name3" "value 3" }}{{ get $myDict "name1" }}|{{ hasKey $myDict "name1" }}|{{ pluck "name1" $myDict (dict "name1" "x") }}|{{ keys $myDict | sortAlpha }}|{{ pick $myDict "name1" "name2" }}|{{ omit $myDict "name1" "name3" }}|{{ values $myDict | sortAlpha }}|{{ dig "user" "role" "humanName" "guest" (dict "user" (dict "role" (dict "humanName" "Admin"))) }}|{{ dig "user" "role" "humanName" "guest" (dict) }}|{{ keys $myDict (dict "name1" 1 "z" 2) | uniq | sortAlpha }}"#,
        D,
        Ok(
            r#"value1|true|[value1 x]|[name1 name2 name3]|map[name1:value1 name2:value2]|map[name2:value2]|[value 3 value1 value2]|Admin|guest|[name1 name2 name3 z]"#,
        ),
    ),
    (
        r#"{{ seq 5 }}|{{ seq -3 }}|{{ seq 0 2 }}|{{ seq 2 -2 }}|{{ seq 0 2 10 }}|{{ seq 0 -2 -5 }}|{{ until 5 }}|{{ until -3 }}|{{ untilStep 3 6 2 }}|{{ sha512sum "Hello world!" }}"#,
        D,
        Ok(
            r#"1 2 3 4 5|1 0 -1 -2 -3|0 1 2|2 1 0 -1 -2|0 2 4 6 8 10|0 -2 -4|[0 1 2 3 4]|[0 -1 -2]|[3 5]|f6cde2a0f819314cdde55fc227d8d7dae3d28cc556222a0a8ad66d91ccad4aad6094f517a2182360c9aacf6a3dc323162cb6fd8cdffedb0fe038f55e85ffb5b6"#,
        ),
    ),
    (
        r#"{{ kindOf .n }}|{{ kindOf 1 }}|{{ kindOf .l }}|{{ kindOf .missing }}|{{ kindOf .f }}|{{ kindOf true }}|{{ splitList "," "a,b" | join "+" }}"#,
        D,
        Ok(r#"int64|int|slice|invalid|float64|bool|a+b"#),
    ),
    (
        r#"{{ .obj.metadata | toJson }}|{{ .n | add 1 | printf "%T" }}|{{ len .s | printf "%T" }}|{{ int .f | printf "%T %v" }}|{{ float64 .n | printf "%T %v" }}"#,
        D,
        Ok(r#"{"name":"n1","namespace":"ns1"}|int64|int|int %!v(MISSING)|float64 %!v(MISSING)"#),
    ),
    (
        r#"{{ chunk 0 .strs }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <chunk 0 .strs>: error calling chunk: runtime error: makeslice: len out of range"#,
        ),
    ),
    (
        r#"{{ dig "a" "b" "d" (dict "a" "x") }}"#,
        D,
        Err(
            r#"failed to evaluate: template: inline:1:3: executing "inline" at <dig "a" "b" "d" (dict "a" "x")>: error calling dig: interface conversion: interface {} is string, not map[string]interface {}"#,
        ),
    ),
    (
        r#"{{ .Object.metadata.namespace | sha3short }}-{{ .Object.metadata.name | sha3short }}"#,
        r#"{"Object":{"metadata":{"name":"n","namespace":null}}}"#,
        Err(
            r#"failed to evaluate: template: inline:1:32: executing "inline" at <sha3short>: invalid value; expected string"#,
        ),
    ),
    (
        r#"{{ .Object.metadata.name | sha3short 8 }}|{{ sha3short .Object.metadata.name 64 }}|{{ shortHash .Object.metadata }}"#,
        r#"{"Object":{"metadata":{"name":"my-crontab","namespace":"default"}}}"#,
        Err(
            r#"failed to evaluate: template: inline:1:37: executing "inline" at <8>: expected string; found 8"#,
        ),
    ),
    (
        r#"{{ abbrevboth 0 10 "1234 5678 9123" }}|{{ abbrevboth 10 10 "1234 5678 9123 4567 8912" }}|{{ abbrevboth 20 10 "1234 5678 9123" }}|{{ abbrevboth -3 10 "1234 5678 9123" }}|{{ abbrevboth 5 6 "1234 5678 9123" }}|{{ abbrevboth 1 4 "abcdefg" }}"#,
        D,
        Ok(r#"1234 56...|...9123...|...78 9123|1234 56...|1234 5678 9123|abcdefg"#),
    ),
    (
        r#"{{ quote "é\u00ad\x01\t" }}|{{ printf "%q" "日本\n" }}|{{ toJson "é<\u2028\x01" }}|{{ js "é\u00ad" }}|{{ html "é\x00" }}|{{ title "élan vital" }}|{{ upper "straße" }}|{{ trimAll "é" "éaé" }}|{{ nospace " a\tb\nc " }}"#,
        D,
        Ok(r#""é\u00ad\x01\t"|"日本\n"|"é\u003c\u2028\u0001"|é\u00AD|é�|Élan Vital|STRAßE|a|abc"#),
    ),
    (
        r#"{{ printf "%5s|%-5s|%05s|%.1f|%+.2e|%x|%X|%#x|%#o|%b|%U|%c" "é" "ab" "x" 2.55 12345.678 -255 "hi" 255 8 5 9731 9731 }}"#,
        D,
        Ok(r#"é|ab   |0000x|2.5|+1.23e+04|-ff|6869|0xff|010|101|U+2603|☃"#),
    ),
    (
        r#"{{ printf "%d %d" 1 }}|{{ printf "%!" }}|{{ printf "%z" 1 }}|{{ printf "%v %v" .n .f }}|{{ printf "%6.2v" 3.14159 }}|{{ printf "%t" 1 }}"#,
        D,
        Ok(r#"1 %!d(MISSING)|%!!(MISSING)|%!z(int=1)|3 1.5|   3.1|%!t(int=1)"#),
    ),
    (
        r#"{{ print 1 2 }}|{{ print "a" "b" }}|{{ print 1 "a" 2 }}|{{ print .l .m }}|{{ print nil nil }}"#,
        D,
        Ok(r#"1 2|ab|1a2|[1 two <nil> 3.5] map[k:v n:2 nested:map[x:y]]|<nil> <nil>"#),
    ),
    (
        r#"{{ range $k, $v := .em }}x{{ else }}e{{ end }}|{{ range $i, $c := .strs }}{{ if $i }},{{ end }}{{ $c }}{{ end }}"#,
        D,
        Ok(r#"e|b,a,c,a"#),
    ),
    (
        r#"{{ if and .b .n }}both{{ end }}|{{ if or .e .z }}x{{ else }}neither{{ end }}|{{ and .m .l | len }}|{{ or .missing "fallback" }}"#,
        D,
        Ok(r#"both|neither|4|fallback"#),
    ),
    (
        r#"{{ $v := "x" }}{{ range .strs }}{{ $v = . }}{{ end }}{{ $v }}"#,
        D,
        Ok(r#"a"#),
    ),
    (
        r#"{{ with $m := .m }}{{ $m.k }}{{ $.s }}{{ end }}|{{ with .m.nested }}{{ .x }}{{ else with .s }}no{{ end }}"#,
        D,
        Ok(r#"vhello world|y"#),
    ),
    (
        r#"{{ 0x10 | printf "%d" }}|{{ 0o17 }}|{{ 017 }}|{{ 0b101 }}|{{ 1_000 }}|{{ .5 }}|{{ -.5 }}|{{ 1e-3 }}|{{ 0x1p4 }}|{{ '\n' }}"#,
        D,
        Ok(r#"16|15|15|5|1000|0.5|-0.5|0.001|16|10"#),
    ),
    (
        r#"{{ printf "%T" 1.0 }}|{{ printf "%T" 1e3 }}|{{ printf "%T" 0x1E }}|{{ printf "%T" 'a' }}|{{ trunc 1e1 "hello world!" }}|{{ repeat 0x2 "ab" }}"#,
        D,
        Ok(r#"float64|float64|int|int|hello worl|abab"#),
    ),
    (
        r#"{{ regexReplaceAll "(\\w+)@(\\w+)" "a@b c@d" "$2 at $1" }}|{{ regexReplaceAll "x" "axbx" "$$" }}|{{ regexReplaceAll "(a)" "a" "$1x" }}|{{ regexFindAll "\\d+" "a1b22c333" 2 }}|{{ regexSplit "" "abc" -1 }}|{{ regexSplit "b" "abc" 1 }}|{{ regexReplaceAll "a*" "xaay" "-" }}|{{ regexReplaceAll "(?i)ABC" "xabcx" "${0}!" }}"#,
        D,
        Ok(r#"b at a d at c|a$b$||[1 22]|[a b c]|[abc]|-x-y-|xabc!x"#),
    ),
    (
        r#"{{ substr 1 3 "héllo" }}|{{ trunc 2 "héllo" }}|{{ len "é" }}"#,
        D,
        Ok(r#"é|h�|2"#),
    ),
    (
        r#"{{ b64dec "aGVsbG8" }}|{{ b64dec "aGVsbG9=" }}|{{ b64dec "aGVs\nbG8=" }}|{{ b64enc "" }}|{{ b64dec "aGVsbG8=\n" }}"#,
        D,
        Ok(r#"illegal base64 data at input byte 4|hello|hello||hello"#),
    ),
];

#[test]
fn matches_go() {
    let mut failures = Vec::new();
    for (i, (template, data, want)) in CASES.iter().enumerate() {
        let data: serde_json::Value = serde_json::from_str(data).expect("test data");
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

/// Limits that keep a hostile template from exhausting the stack (Go's are higher): checked
/// on a thread with half of tokio's default worker stack, in a debug build.
#[test]
fn nesting_limits() {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(nesting_limits_inner)
        .unwrap()
        .join()
        .unwrap();
}

fn nesting_limits_inner() {
    let deep = format!("{{{{ {}1{} }}}}", "(".repeat(150), ")".repeat(150));
    let err = render(&deep, &serde_json::json!({}))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "failed to parse: template: inline:1: max expression depth exceeded"
    );
    let ok = format!("{{{{ {}1{} }}}}", "(".repeat(99), ")".repeat(99));
    assert_eq!(render(&ok, &serde_json::json!({})).unwrap(), "1");

    let ok_if = format!("{}x{}", "{{ if true }}".repeat(99), "{{ end }}".repeat(99));
    assert_eq!(render(&ok_if, &serde_json::json!({})).unwrap(), "x");
    let deep_if = format!(
        "{}x{}",
        "{{ if true }}".repeat(150),
        "{{ end }}".repeat(150)
    );
    let err = render(&deep_if, &serde_json::json!({}))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "failed to parse: template: inline:1: max expression depth exceeded"
    );

    let recursive = r#"{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}"#;
    let err = render(recursive, &serde_json::json!({}))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("exceeded maximum template depth (100)"),
        "{err}"
    );
}

/// Data that is not an object, and a template reused over several data values.
#[test]
fn template_api() {
    use super::{Template, Value};
    let t = Template::parse("named", "{{ . }}-{{ .x }}").unwrap();
    assert_eq!(
        t.execute(&Value::from("s")).unwrap_err().to_string(),
        "failed to evaluate: template: named:1:11: executing \"named\" at <.x>: can't evaluate field x in type string"
    );
    assert_eq!(
        t.execute(&Value::from(&serde_json::json!({"x": 1})))
            .unwrap(),
        "map[x:1]-1"
    );
    assert_eq!(
        render("  {{ . }}  ", &serde_json::Value::Null).unwrap(),
        "<no value>"
    );
    assert!(super::has_function("sha3short") && super::has_function("regexReplaceAll"));
    assert!(super::has_function("env") && !super::has_function("nope"));
}

/// Parsed templates can be cached and shared between threads.
#[test]
fn template_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<super::Template>();
    assert_send_sync::<super::Error>();
}
