package org.accessdetector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.accessdetector.alerting.router.AlertmanagerAlerts;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.AlertStatus;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.ViolationRule;
import org.junit.jupiter.api.Test;

/** Every rule's alert links to a runbook section that exists in the README. */
class RunbookAnchorsTest {

    @Test
    void everyRuleHasTheRunbookItsAlertsLinkTo() throws Exception {
        String readme = Files.readString(ModulePaths.repoRoot().resolve("README.md"));
        AlertmanagerAlerts mapping = new AlertmanagerAlerts("README.md", "kafka:9092");
        for (ViolationRule rule : ViolationRule.values()) {
            if (rule == ViolationRule.UNKNOWN) {
                continue;
            }
            AccessAlert alert = AccessAlert.newBuilder().setAlertId("a").setStatus(AlertStatus.FIRING)
                    .setPartnerId("p").setRule(rule).setResource(Resource.CONTACTS).setAction(Action.READ)
                    .setSeverity(Severity.HIGH).setViolationCount(1).setFirstSeen(0).setLastSeen(0)
                    .setDistinctSubjectUsers(1).setSummary("s").setUpdatedAt(0).build();
            String url = mapping.body(java.util.List.of(alert), java.time.Instant.EPOCH, java.time.Instant.EPOCH)
                    .get(0).get("annotations").get("runbook_url").asText();
            String anchor = url.substring(url.indexOf('#') + 1);
            assertThat(readme).as(rule + " links to #" + anchor).contains("<a id=\"" + anchor + "\"></a>");
        }
    }
}
