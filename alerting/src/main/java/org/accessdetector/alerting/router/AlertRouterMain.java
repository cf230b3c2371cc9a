package org.accessdetector.alerting.router;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code alert-router [--bootstrap-servers H:P] [--alertmanager-url URL] [--topic T] [--group-id G]
 * [--metrics-port 9250] [--resend-interval 60s] [--rebuild-window 1h] [--runbook-url URL]
 * [--client-config FILE]}.
 */
public final class AlertRouterMain {

    static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("--bootstrap-servers", "localhost:9092"),
            Map.entry("--alertmanager-url", "http://localhost:9093"),
            Map.entry("--topic", "access-alerts"),
            Map.entry("--group-id", "alert-router"),
            Map.entry("--metrics-host", RouterMetrics.LOOPBACK),
            Map.entry("--metrics-port", "9250"),
            Map.entry("--resend-interval", "60s"),
            Map.entry("--rebuild-window", "1h"),
            Map.entry("--runbook-url", "https://github.com/accessdetector/access-detector/blob/main/README.md"),
            Map.entry("--dead-letter-topic", "alert-router-dead-letters"),
            Map.entry("--client-config", ""));

    static final String USAGE = String.join("\n",
            "Usage: ./detector alert-router [OPTIONS]",
            "Delivers the detector's alerts (access-alerts) to Prometheus Alertmanager's v2 API.",
            "  --bootstrap-servers H:P   Kafka brokers (default localhost:9092)",
            "  --alertmanager-url URL    Alertmanager (default http://localhost:9093); for an HA cluster, every",
            "                            member, comma-separated: each update goes to all of them",
            "  --topic T                 alerts topic (default access-alerts)",
            "  --group-id G              consumer group (default alert-router)",
            "  --metrics-host H          address of the metrics endpoint (default 127.0.0.1: this machine only)",
            "  --metrics-port N          Prometheus metrics on H:N/metrics (default 9250)",
            "  --resend-interval D       re-send firing alerts this often (default 60s)",
            "  --rebuild-window D        on start, re-read this much of the topic to know what still fires (default 1h)",
            "  --runbook-url URL         base of the runbook links (README)",
            "  --dead-letter-topic T     where alerts Alertmanager rejects (4xx) are kept (default alert-router-dead-letters)",
            "  --client-config FILE      Kafka client properties (security.protocol, sasl.*, ssl.*, ...) for a secure broker");

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(USAGE);
            return;
        }
        AlertRouter.Settings settings;
        int metricsPort;
        String metricsHost;
        try {
            Map<String, String> a = parse(args);
            settings = settings(a);
            metricsPort = Integer.parseInt(a.get("--metrics-port"));
            metricsHost = a.get("--metrics-host");
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        RouterMetrics metrics = new RouterMetrics().serve(metricsHost, metricsPort);
        AlertRouter router = new AlertRouter(settings, metrics);
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            router.close();
            try {
                main.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            metrics.close();
        }, "stop-alert-router"));
        System.out.printf("Alert router: %s %s -> %s (metrics on %s:%d/metrics)%n", settings.bootstrapServers(),
                settings.topic(), String.join(",", settings.alertmanagerUrls()), metricsHost, metrics.port());
        router.run();
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> a = new LinkedHashMap<>(DEFAULTS);
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (!DEFAULTS.containsKey(flag)) {
                throw new IllegalArgumentException("unknown option " + flag + " (options: " + DEFAULTS.keySet() + ")");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            a.put(flag, args[++i]);
        }
        return a;
    }

    static AlertRouter.Settings settings(Map<String, String> a) {
        List<String> alertmanagers = Arrays.stream(a.get("--alertmanager-url").split(",")).map(String::strip)
                .filter(u -> !u.isEmpty()).toList();
        if (alertmanagers.isEmpty()) {
            throw new IllegalArgumentException("--alertmanager-url needs at least one URL");
        }
        return new AlertRouter.Settings(a.get("--bootstrap-servers"), a.get("--topic"), a.get("--group-id"),
                alertmanagers, duration(a, "--resend-interval"), duration(a, "--rebuild-window"),
                a.get("--runbook-url"), a.get("--dead-letter-topic"), clientConfig(a.get("--client-config")));
    }

    /** The Kafka client properties of a properties file; none when no file is given. */
    static Map<String, String> clientConfig(String file) {
        if (file.isEmpty()) {
            return Map.of();
        }
        java.util.Properties p = new java.util.Properties();
        try (java.io.Reader r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(file))) {
            p.load(r);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read --client-config " + file + ": " + e);
        }
        Map<String, String> client = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            if (name.equals("bootstrap.servers") || name.equals("group.id")) {
                throw new IllegalArgumentException("--client-config " + file + " sets " + name
                        + "; use --bootstrap-servers or --group-id");
            }
            client.put(name, p.getProperty(name));
        }
        return client;
    }

    private static Duration duration(Map<String, String> a, String flag) {
        String v = a.get(flag).trim().toLowerCase(java.util.Locale.ROOT);
        try {
            long n = Long.parseLong(v.replaceAll("[a-z]+$", ""));
            String unit = v.replaceAll("^[0-9]+", "");
            Duration d = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s", "" -> Duration.ofSeconds(n);
                case "m", "min" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> throw new IllegalArgumentException();
            };
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException();
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + " must be a duration like 500ms, 60s, 10m or 1h; got '"
                    + a.get(flag) + "'");
        }
    }

    private AlertRouterMain() {}
}
