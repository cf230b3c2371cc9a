package org.accessdetector.alerting.router;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Collection;
import java.util.Locale;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.AlertStatus;

/**
 * Turns the detector's alerts into Alertmanager v2 alerts: labels that route and group them, annotations that
 * tell the on-call engineer what happened and where to look, and an end time that keeps a firing alert alive
 * until the router sends it again.
 */
public final class AlertmanagerAlerts {

    public static final String ALERT_NAME = "PartnerAccessViolation";

    private final String runbookBaseUrl;
    private final String bootstrapServers;

    public AlertmanagerAlerts(String runbookBaseUrl, String bootstrapServers) {
        this.runbookBaseUrl = runbookBaseUrl;
        this.bootstrapServers = bootstrapServers;
    }

    /** The body of {@code POST /api/v2/alerts} for these alerts, as of {@code now}. */
    public ArrayNode body(Collection<AccessAlert> alerts, Instant now, Instant firingUntil) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (AccessAlert a : alerts) {
            array.add(alert(a, now, firingUntil));
        }
        return array;
    }

    ObjectNode alert(AccessAlert a, Instant now, Instant firingUntil) {
        ObjectNode alert = JsonNodeFactory.instance.objectNode();
        ObjectNode labels = alert.putObject("labels");
        labels.put("alertname", ALERT_NAME);
        labels.put("rule", a.getRule().name());
        labels.put("partner", a.getPartnerId());
        labels.put("resource", a.getResource().name());
        labels.put("action", a.getAction().name());
        labels.put("severity", a.getSeverity().name());
        labels.put("alert_id", a.getAlertId());

        ObjectNode annotations = alert.putObject("annotations");
        annotations.put("summary", a.getSummary());
        annotations.put("description", description(a));
        annotations.put("runbook_url", runbookUrl(a));
        annotations.put("first_seen", Instant.ofEpochMilli(a.getFirstSeen()).toString());
        annotations.put("last_seen", Instant.ofEpochMilli(a.getLastSeen()).toString());
        annotations.put("violation_count", Long.toString(a.getViolationCount()));
        annotations.put("sample_call_ids", String.join(",", a.getSampleCallIds()));
        annotations.put("evidence", evidenceCommand(a));

        // Alertmanager rejects an alert that ends before it starts. An alert first seen in the future (a call
        // stamped ahead of this clock) starts now; a resolved alert ends now, a firing one just after the next
        // re-send is due, never before it starts.
        Instant firstSeen = Instant.ofEpochMilli(a.getFirstSeen());
        Instant startsAt = firstSeen.isAfter(now) ? now : firstSeen;
        Instant endsAt = a.getStatus() == AlertStatus.RESOLVED ? now : firingUntil;
        alert.put("startsAt", startsAt.toString());
        alert.put("endsAt", (endsAt.isBefore(startsAt) ? startsAt : endsAt).toString());
        return alert;
    }

    static String description(AccessAlert a) {
        return String.format("%s: %d violation%s of %s by partner %s on %s/%s between %s and %s%s. Highest severity %s.",
                a.getStatus(), a.getViolationCount(), a.getViolationCount() == 1 ? "" : "s", a.getRule(),
                a.getPartnerId(), a.getResource(), a.getAction(), Instant.ofEpochMilli(a.getFirstSeen()),
                Instant.ofEpochMilli(a.getLastSeen()),
                a.getDistinctSubjectUsers() > 0 ? ", touching " + a.getDistinctSubjectUsers() + " users' data" : "",
                a.getSeverity());
    }

    String runbookUrl(AccessAlert a) {
        return runbookBaseUrl + "#runbook-" + a.getRule().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The command that lists the alert's violations from the retained violations topic. */
    String evidenceCommand(AccessAlert a) {
        return String.format("./detector violations --bootstrap-servers %s --partner %s --rule %s --resource %s "
                        + "--action %s --from %s --to %s",
                bootstrapServers, a.getPartnerId(), a.getRule(), a.getResource(), a.getAction(),
                Instant.ofEpochMilli(a.getFirstSeen()), Instant.ofEpochMilli(a.getLastSeen()));
    }
}
