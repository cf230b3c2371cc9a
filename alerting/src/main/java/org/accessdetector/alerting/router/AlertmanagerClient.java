package org.accessdetector.alerting.router;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Posts alerts to one Alertmanager's v2 API. A 200 is acceptance; a 4xx (but 408 and 429) is a rejection that
 * sending again cannot change; anything else (5xx, 408, 429, no answer) is a failure worth retrying.
 */
public final class AlertmanagerClient {

    /** Alertmanager refused these alerts for what they are: sending them again would be refused again. */
    public static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;
        private final int status;

        Rejected(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private static final int MAX_BODY_IN_MESSAGE = 500;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI alerts;

    public AlertmanagerClient(String baseUrl) {
        this.alerts = URI.create(baseUrl.replaceAll("/+$", "") + "/api/v2/alerts");
    }

    /** Where it posts. */
    public URI url() {
        return alerts;
    }

    /** Sends the alerts; throws {@link Rejected} if Alertmanager refused them, IOException if it did not answer 200. */
    public void post(JsonNode body) throws IOException, InterruptedException, Rejected {
        HttpRequest request = HttpRequest.newBuilder(alerts)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status == 200) {
            return;
        }
        String answer = "Alertmanager " + alerts.getAuthority() + " answered " + status + ": " + abbreviated(response.body());
        if (status >= 400 && status < 500 && status != 408 && status != 429) {
            throw new Rejected(status, answer);
        }
        throw new IOException(answer);
    }

    private static String abbreviated(String body) {
        String oneLine = body == null ? "" : body.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= MAX_BODY_IN_MESSAGE ? oneLine : oneLine.substring(0, MAX_BODY_IN_MESSAGE) + "...";
    }
}
