package dev.dpu.storage.kubectl;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** Scrapes an agent's /q/metrics; a short timeout, since an unreachable agent only costs a column. */
final class AgentMetrics {
    private final HttpClient http;
    private final Duration timeout;

    AgentMetrics(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** A scrape, or why there is none. */
    record Scrape(String url, List<MetricSample> samples, String error) {
        boolean ok() {
            return error == null;
        }
    }

    Scrape scrape(String url) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(timeout)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return new Scrape(url, List.of(), "HTTP " + response.statusCode());
            }
            return new Scrape(url, MetricSample.parse(response.body()), null);
        } catch (IOException | IllegalArgumentException e) {
            return new Scrape(
                    url,
                    List.of(),
                    e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Scrape(url, List.of(), "interrupted");
        }
    }
}
