package dev.dpu.storage.agent.metrics;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.Collector.Type;
import java.util.ArrayList;
import java.util.List;

/** Builds one metric family; every sample gets the pool and node labels first. */
final class MetricFamily {
    private final String name;
    private final Type type;
    private final String help;
    private final List<String> sampleSuffixes = new ArrayList<>();
    private final List<List<String>> sampleLabels = new ArrayList<>();
    private final List<Double> values = new ArrayList<>();

    MetricFamily(String name, Type type, String help) {
        this.name = name;
        this.type = type;
        this.help = help;
    }

    /** labelPairs: name1, value1, name2, value2... */
    void add(String suffix, List<String> labelPairs, double value) {
        sampleSuffixes.add(suffix);
        sampleLabels.add(labelPairs);
        values.add(value);
    }

    MetricFamilySamples build(DataplaneCollector.Labels l) {
        List<MetricFamilySamples.Sample> samples = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            List<String> names = new ArrayList<>(List.of("pool", "node"));
            List<String> vals = new ArrayList<>(List.of(l.pool(), l.node()));
            List<String> pairs = sampleLabels.get(i);
            for (int p = 0; p < pairs.size(); p += 2) {
                names.add(pairs.get(p));
                vals.add(pairs.get(p + 1));
            }
            samples.add(new MetricFamilySamples.Sample(name + sampleSuffixes.get(i), names, vals, values.get(i)));
        }
        return new MetricFamilySamples(name, type, help, samples);
    }
}
