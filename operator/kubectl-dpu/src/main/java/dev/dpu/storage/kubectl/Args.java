package dev.dpu.storage.kubectl;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The command line of {@code kubectl dpu}; bad input is an IllegalArgumentException saying what. */
record Args(
        String command,
        String target,
        String namespace,
        boolean allNamespaces,
        Duration interval,
        List<String> metricsUrls,
        String hostNqn,
        String node,
        String kubeconfig,
        boolean help) {

    static Args parse(String[] argv) {
        String command = null;
        String target = null;
        String namespace = null;
        boolean all = false;
        Duration interval = Duration.ofSeconds(1);
        List<String> urls = new ArrayList<>();
        String hostNqn = null;
        String node = null;
        String kubeconfig = null;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : null;
            String flag = value != null ? a.substring(0, a.indexOf('=')) : a;
            switch (flag) {
                case "-h", "--help", "help" -> {
                    return new Args(null, null, null, false, interval, urls, null, null, null, true);
                }
                case "-n", "--namespace" -> namespace = value != null ? value : next(argv, ++i, flag);
                case "-A", "--all-namespaces" -> all = true;
                case "--interval" -> interval = seconds(value != null ? value : next(argv, ++i, flag));
                case "--metrics-url" -> urls.add(value != null ? value : next(argv, ++i, flag));
                case "--host-nqn", "--hostnqn" -> hostNqn = value != null ? value : next(argv, ++i, flag);
                case "--node" -> node = value != null ? value : next(argv, ++i, flag);
                case "--kubeconfig" -> kubeconfig = value != null ? value : next(argv, ++i, flag);
                default -> {
                    if (a.startsWith("-")) {
                        throw new IllegalArgumentException("unknown flag " + a);
                    } else if (command == null) {
                        command = a;
                    } else if (target == null) {
                        target = a;
                    } else {
                        throw new IllegalArgumentException("unexpected argument " + a);
                    }
                }
            }
        }
        if (command == null) {
            throw new IllegalArgumentException("no command given");
        }
        switch (command) {
            case "status" -> {
                if (target != null) {
                    throw new IllegalArgumentException("status takes no argument, got " + target);
                }
            }
            case "connect" -> {
                if (target == null) {
                    throw new IllegalArgumentException("connect needs the tenant: kubectl dpu connect TENANT");
                }
                if (all) {
                    throw new IllegalArgumentException("connect works in one namespace; drop -A");
                }
            }
            case "migrate-volumes" -> {
                if (target == null) {
                    throw new IllegalArgumentException(
                            "migrate-volumes needs the pool: kubectl dpu migrate-volumes POOL");
                }
                if (all) {
                    throw new IllegalArgumentException("migrate-volumes works in one namespace; drop -A");
                }
            }
            default ->
                throw new IllegalArgumentException(
                        "unknown command " + command + " (status, connect or migrate-volumes)");
        }
        return new Args(command, target, namespace, all, interval, urls, hostNqn, node, kubeconfig, false);
    }

    private static String next(String[] argv, int i, String flag) {
        if (i >= argv.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return argv[i];
    }

    private static Duration seconds(String s) {
        try {
            double v = Double.parseDouble(s.endsWith("s") ? s.substring(0, s.length() - 1) : s);
            if (v < 0.2 || v > 60) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(Math.round(v * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--interval takes seconds between 0.2 and 60, got " + s);
        }
    }
}
