package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// A check: <group>/<Kind>/health.lua under the resource_customizations directory.
type check struct {
	group, kind, dir string
	script           string
}

func loadChecks(root string) ([]check, error) {
	files, err := filepath.Glob(filepath.Join(root, "*", "*", "health.lua"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no <group>/<Kind>/health.lua under %s", root)
	}
	sort.Strings(files)
	var checks []check
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		dir := filepath.Dir(f)
		checks = append(checks, check{group: filepath.Base(filepath.Dir(dir)), kind: filepath.Base(dir), dir: dir, script: string(b)})
	}
	return checks, nil
}

// Argo CD's health_test.yaml.
type testFile struct {
	Tests []struct {
		InputPath    string `yaml:"inputPath"`
		HealthStatus Health `yaml:"healthStatus"`
	} `yaml:"tests"`
}

func runTests(root string, out io.Writer) error {
	checks, err := loadChecks(root)
	if err != nil {
		return err
	}
	passed, failed := 0, 0
	for _, c := range checks {
		b, err := os.ReadFile(filepath.Join(c.dir, "health_test.yaml"))
		if err != nil {
			return err
		}
		var tf testFile
		if err := yaml.Unmarshal(b, &tf); err != nil {
			return fmt.Errorf("%s/health_test.yaml: %w", c.dir, err)
		}
		// Every testdata file must be a case: an input nobody checks proves nothing.
		inputs, _ := filepath.Glob(filepath.Join(c.dir, "testdata", "*.yaml"))
		used := map[string]bool{}
		for _, t := range tf.Tests {
			used[filepath.Join(c.dir, t.InputPath)] = true
			name := c.kind + "/" + t.InputPath
			objs, err := readObjects(filepath.Join(c.dir, t.InputPath))
			if err == nil && len(objs) != 1 {
				err = fmt.Errorf("%d objects in the file, want 1", len(objs))
			}
			var got Health
			if err == nil {
				got, err = evalHealth(c.script, objs[0])
			}
			switch {
			case err != nil:
				failed++
				fmt.Fprintf(out, "FAIL  %s: %v\n", name, err)
			case got != t.HealthStatus:
				failed++
				fmt.Fprintf(out, "FAIL  %s\n      want %s: %s\n      got  %s: %s\n", name,
					t.HealthStatus.Status, t.HealthStatus.Message, got.Status, got.Message)
			default:
				passed++
				fmt.Fprintf(out, "PASS  %s -> %s\n", name, got.Status)
			}
		}
		for _, in := range inputs {
			if !used[in] {
				failed++
				fmt.Fprintf(out, "FAIL  %s: not used by any case of health_test.yaml\n", in)
			}
		}
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
	if failed > 0 || passed == 0 {
		return errors.New("health check tests failed")
	}
	return nil
}

// evalFiles prints one JSON line per object: {"kind","namespace","name","status","message"}.
func evalFiles(root string, files []string, out io.Writer) error {
	checks, err := loadChecks(root)
	if err != nil {
		return err
	}
	byKind := map[string]check{}
	for _, c := range checks {
		byKind[c.group+"/"+c.kind] = c
	}
	enc := json.NewEncoder(out)
	for _, f := range files {
		objs, err := readObjects(f)
		if err != nil {
			return err
		}
		for _, o := range objs {
			group := strings.SplitN(fmt.Sprint(o["apiVersion"]), "/", 2)[0]
			kind := fmt.Sprint(o["kind"])
			c, ok := byKind[group+"/"+kind]
			if !ok {
				return fmt.Errorf("%s: no health check for %s/%s", f, group, kind)
			}
			h, err := evalHealth(c.script, o)
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			meta, _ := o["metadata"].(map[string]any)
			if err := enc.Encode(map[string]any{"kind": kind, "namespace": meta["namespace"], "name": meta["name"],
				"status": h.Status, "message": h.Message}); err != nil {
				return err
			}
		}
	}
	return nil
}

// readObjects reads YAML documents or JSON (a List's items are taken one by one).
func readObjects(file string) ([]map[string]any, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var objs []map[string]any
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
		if items, ok := o["items"].([]any); ok && strings.HasSuffix(fmt.Sprint(o["kind"]), "List") {
			for _, it := range items {
				if m, ok := normalise(it).(map[string]any); ok {
					objs = append(objs, m)
				}
			}
			continue
		}
		objs = append(objs, normalise(o).(map[string]any))
	}
	return objs, nil
}

// normalise turns YAML's ints into int64 as Kubernetes' unstructured objects hold them.
func normalise(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normalise(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = normalise(x)
		}
		return t
	case int:
		return int64(t)
	}
	return v
}
