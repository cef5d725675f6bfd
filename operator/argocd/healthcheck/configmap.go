package main

import (
	"fmt"
	"io"
	"strings"
)

// writeConfigMap prints the argocd-cm keys that install every check
// (resource.customizations.health.<group>_<Kind>), each health.lua verbatim as a literal block.
func writeConfigMap(root string, out io.Writer) error {
	checks, err := loadChecks(root)
	if err != nil {
		return err
	}
	fmt.Fprint(out, `# Generated from operator/argocd/resource_customizations by
#   (cd operator/argocd/healthcheck && go run . argocd-cm ../resource_customizations) > samples/argocd/argocd-cm-health.yaml
# Do not edit: e2e/gitops-checks.sh fails when it differs from the health.lua files.
# Argo CD health checks for the storage.dpu.dev kinds. Applied with the other files of this
# directory (kubectl apply --server-side -k samples/argocd), it adds these keys to the existing
# argocd-cm and leaves the others alone.
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
data:
`)
	for _, c := range checks {
		if strings.ContainsAny(c.script, "\t\r") {
			return fmt.Errorf("%s/health.lua: tabs or carriage returns do not survive a YAML literal block", c.dir)
		}
		fmt.Fprintf(out, "  resource.customizations.health.%s_%s: |\n", c.group, c.kind)
		for _, line := range strings.Split(strings.TrimRight(c.script, "\n"), "\n") {
			if line == "" {
				fmt.Fprintln(out)
			} else {
				fmt.Fprintf(out, "    %s\n", line)
			}
		}
	}
	return nil
}
