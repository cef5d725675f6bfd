"""Unit tests of the PromQL helpers the checks rely on: a metric name the extractor missed would
escape the docs and scrape checks.   python3 -m unittest discover -s dashboards/tests"""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import dashlib  # noqa: E402


class MetricNames(unittest.TestCase):
    def test_names_of_any_origin_not_functions_labels_or_durations(self):
        expr = ('histogram_quantile(0.99, sum by (node, le) (rate(dpu_dataplane_io_latency_seconds_bucket'
                '{stage="e2e", le="+Inf"}[$__rate_interval]))) / on (node) group_left () '
                'node_cpu_seconds_total offset 5m * 1e9')
        self.assertEqual(dashlib.metric_names(expr),
                         {"dpu_dataplane_io_latency_seconds_bucket", "node_cpu_seconds_total"})

    def test_name_prefix_selectors_and_recording_rules(self):
        self.assertEqual(dashlib.metric_names('sum by (kind) ({__name__=~"operator_sdk_queue_size_.+"})'),
                         {"operator_sdk_queue_size_"})
        self.assertEqual(dashlib.metric_names("dpu:p99:rate5m > on (pool) group_left () dpu:slo"),
                         {"dpu:p99:rate5m", "dpu:slo"})

    def test_label_replace_arguments_are_not_names(self):
        expr = 'label_replace(dpu_agent_info, "effective_mode", "$1", "requested_mode", "(.*)") unless up'
        self.assertEqual(dashlib.metric_names(expr), {"dpu_agent_info", "up"})

    def test_documented_names(self):
        doc = "| `dpu_x_seconds` | histogram |\n| `operator_sdk_q_<controller>` | gauge |"
        self.assertTrue(dashlib.documented_name("dpu_x_seconds_bucket", doc))
        self.assertTrue(dashlib.documented_name("operator_sdk_q_", doc))
        self.assertFalse(dashlib.documented_name("dpu_y_total", doc))


class Variables(unittest.TestCase):
    def test_substitute_escapes_regex_values_for_promql_strings(self):
        out = dashlib.substitute('x{pool=~"$pool", node=~"$node"}[$__rate_interval]',
                                 {"pool": r"pool\-a|pool\-b", "node": None})
        self.assertEqual(out, 'x{pool=~"pool\\\\-a|pool\\\\-b", node=~"$node"}[1m]')

    def test_runbook_anchors_follow_github(self):
        self.assertEqual(dashlib.github_anchor(" DpuAgentDown "), "dpuagentdown")
        self.assertEqual(dashlib.github_anchor("Node fell back (mode)"), "node-fell-back-mode")


if __name__ == "__main__":
    unittest.main()
