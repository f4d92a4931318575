// Command arshash prints the APIResourceSchema name the Go api-syncagent gives each
// CustomResourceDefinition in the given YAML files and in the YAML files under the given
// directories, one "<crd name> <schema name>" line per CRD (arguments in order, each
// directory's files in lexical path order). The Rust port's
// unit test (src/agent/src/apiresourceschema.rs) checks its own names against this output.
//
// Each CRD goes through what happens to it between `kubectl apply` and the agent:
//
//  1. sigs.k8s.io/yaml decoding into apiextensions/v1 (as kubectl sends it);
//  2. the API server's defaulting (SetObjectDefaults_CustomResourceDefinition);
//  3. the API server's round trip v1 -> internal -> v1 (what a GET returns: raw JSON values
//     such as `default`, `example` and `enum` come back re-encoded, map keys sorted);
//  4. the agent's discovery forcing spec.conversion to {strategy: None};
//  5. the agent's naming: deep copy, spec.conversion = nil, SHA-1 over the output of
//     json.NewEncoder(h).Encode(spec), "v" + first 8 hex digits + "." + plural + "." + group.
//
// With -dump DIR it also writes, per CRD, the exact bytes that were hashed to DIR/<crd name>.json.
package main

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

var documentSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

func main() {
	dump := flag.String("dump", "", "directory to write each CRD's hashed spec JSON to")
	flag.Parse()
	if flag.NArg() == 0 {
		log.Fatal("usage: arshash [-dump DIR] FILE_OR_DIR...")
	}

	var files []string
	for _, arg := range flag.Args() {
		var found []string
		err := filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
		sort.Strings(found)
		files = append(files, found...)
	}

	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			log.Fatal(err)
		}
		for _, doc := range documentSeparator.Split(string(text), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			crd, ok, err := served(doc)
			if err != nil {
				log.Fatalf("%s: %v", file, err)
			}
			if !ok {
				continue
			}
			name, hashed := schemaName(crd)
			fmt.Printf("%s %s\n", crd.Name, name)
			if *dump != "" {
				if err := os.WriteFile(filepath.Join(*dump, crd.Name+".json"), hashed, 0o644); err != nil {
					log.Fatal(err)
				}
			}
		}
	}
}

// served decodes one YAML document and returns the CRD as the agent receives it from the API
// server; ok is false for documents of another kind.
func served(doc string) (*apiextensionsv1.CustomResourceDefinition, bool, error) {
	var sent apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal([]byte(doc), &sent); err != nil {
		return nil, false, err
	}
	if sent.Kind != "CustomResourceDefinition" {
		return nil, false, nil
	}
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(&sent)

	var internal apiextensions.CustomResourceDefinition
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(&sent, &internal, nil); err != nil {
		return nil, false, err
	}
	var out apiextensionsv1.CustomResourceDefinition
	if err := apiextensionsv1.Convert_apiextensions_CustomResourceDefinition_To_v1_CustomResourceDefinition(&internal, &out, nil); err != nil {
		return nil, false, err
	}

	out.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.NoneConverter}
	return &out, true, nil
}

// schemaName computes the agent's APIResourceSchema name and returns the hashed bytes too.
func schemaName(crd *apiextensionsv1.CustomResourceDefinition) (string, []byte) {
	crd = crd.DeepCopy()
	crd.Spec.Conversion = nil

	var hashed strings.Builder
	h := sha1.New()
	if err := json.NewEncoder(io.MultiWriter(h, &hashed)).Encode(crd.Spec); err != nil {
		log.Fatal(err)
	}
	sum := hex.EncodeToString(h.Sum(nil))

	return fmt.Sprintf("v%s.%s.%s", sum[:8], crd.Spec.Names.Plural, crd.Spec.Group), []byte(hashed.String())
}
