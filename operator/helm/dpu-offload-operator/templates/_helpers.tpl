{{/* Name of every object of the release: dpu-offload-operator unless fullnameOverride. */}}
{{- define "dpu.fullname" -}}
{{- default "dpu-offload-operator" .Values.fullnameOverride -}}
{{- end -}}

{{/* Labels of every object. app.kubernetes.io/name is what operator/deploy uses too. */}}
{{- define "dpu.labels" -}}
app.kubernetes.io/name: dpu-offload-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector of the operator's pods: this release's only. */}}
{{- define "dpu.selectorLabels" -}}
app.kubernetes.io/name: dpu-offload-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
