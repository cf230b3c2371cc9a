package org.accessdetector.alerting.router;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Posts alerts to Alertmanager's v2 API; any answer but 200 is a failure to retry. */
public final class AlertmanagerClient {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI alerts;

    public AlertmanagerClient(String baseUrl) {
        this.alerts = URI.create(baseUrl.replaceAll("/+$", "") + "/api/v2/alerts");
    }

    /** Sends the alerts; throws if Alertmanager did not accept them. */
    public void post(JsonNode body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(alerts)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("Alertmanager answered " + response.statusCode() + ": " + response.body());
        }
    }
}
