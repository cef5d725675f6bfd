// Command chartcheck compares what `helm template` renders from the chart with what
// `kubectl kustomize operator/deploy` renders, object by object:
//
//	chartcheck HELM.yaml KUSTOMIZE.yaml
//
// Objects are matched by kind, namespace and name. Before comparing, the labels only Helm adds
// (app.kubernetes.io/instance, app.kubernetes.io/version, app.kubernetes.io/managed-by,
// helm.sh/chart) are dropped wherever labels are (metadata, selectors, pod templates). The
// Namespace is kustomize's alone (Helm installs into a namespace it is given). Prints one line
// per object and "N passed, M failed"; exits 1 when anything differs.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

var helmOnlyLabels = []string{"app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "helm.sh/chart"}

// Objects kustomize renders that the chart leaves to Helm itself, and why.
var kustomizeOnly = map[string]string{
	"Namespace//dpu-offload-system": "helm install --namespace dpu-offload-system --create-namespace makes it",
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: chartcheck HELM.yaml KUSTOMIZE.yaml")
		os.Exit(2)
	}
	helm, err := readObjects(os.Args[1])
	if err == nil {
		var kust map[string]map[string]any
		kust, err = readObjects(os.Args[2])
		if err == nil && !compare(helm, kust, os.Stdout) {
			err = errors.New("the chart and operator/deploy differ")
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chartcheck:", err)
		os.Exit(1)
	}
}

func compare(helm, kust map[string]map[string]any, out io.Writer) bool {
	keys := map[string]bool{}
	for k := range helm {
		keys[k] = true
	}
	for k := range kust {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	passed, failed := 0, 0
	for _, k := range sorted {
		h, inHelm := helm[k]
		c, inKust := kust[k]
		switch {
		case !inHelm && kustomizeOnly[k] != "":
			fmt.Fprintf(out, "SKIP  %s: only in operator/deploy (%s)\n", k, kustomizeOnly[k])
		case !inHelm:
			failed++
			fmt.Fprintf(out, "FAIL  %s: in operator/deploy, not in the chart\n", k)
		case !inKust:
			failed++
			fmt.Fprintf(out, "FAIL  %s: in the chart, not in operator/deploy\n", k)
		default:
			diffs := diff("", normalise(h), normalise(c))
			if len(diffs) == 0 {
				passed++
				fmt.Fprintf(out, "PASS  %s\n", k)
			} else {
				failed++
				fmt.Fprintf(out, "FAIL  %s differs (chart | kustomize):\n      %s\n", k, strings.Join(diffs, "\n      "))
			}
		}
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
	return failed == 0 && passed > 0
}

func readObjects(file string) (map[string]map[string]any, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	objs := map[string]map[string]any{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var o map[string]any
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if o == nil {
			continue
		}
		meta, _ := o["metadata"].(map[string]any)
		key := fmt.Sprintf("%v/%v/%v", o["kind"], str(meta["namespace"]), meta["name"])
		if _, dup := objs[key]; dup {
			return nil, fmt.Errorf("%s: %s twice", file, key)
		}
		objs[key] = o
	}
	return objs, nil
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// normalise drops the Helm-only labels from every label map and selector in the object, and
// makes every number a float (the generated CRDs write 1.0 where kustomize writes 1).
func normalise(v any) any {
	switch t := v.(type) {
	case int:
		return float64(t)
	case map[string]any:
		for k, x := range t {
			if k == "labels" || k == "matchLabels" || k == "selector" {
				if m, ok := x.(map[string]any); ok {
					for _, l := range helmOnlyLabels {
						delete(m, l)
					}
				}
			}
			t[k] = normalise(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = normalise(x)
		}
		return t
	}
	return v
}

// diff lists the paths where a and b differ, with both values.
func diff(path string, a, b any) []string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		var out []string
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			out = append(out, diff(path+"."+k, am[k], bm[k])...)
		}
		return out
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		var out []string
		for i := range al {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), al[i], bl[i])...)
		}
		return out
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []string{fmt.Sprintf("%s: %s | %s", path, short(a), short(b))}
}

func short(v any) string {
	if v == nil {
		return "(absent)"
	}
	b, _ := yaml.Marshal(v)
	s := strings.ReplaceAll(strings.TrimSpace(string(b)), "\n", " ")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}
