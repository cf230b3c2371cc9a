package org.accessdetector.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.accessdetector.kafka.AccessModel.Role;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The least-privilege model, role by role, checked against what each part of the system does. */
class AccessModelTest {

    private final Topics topics = Topics.defaults();
    private final AccessModel model = new AccessModel(topics, "access-detector", AccessModel.RouterSettings.DEFAULTS,
            Map.of(Role.DETECTOR, "User:CN=flink"));

    private Set<String> of(String principal) {
        return model.bindings().stream().filter(b -> b.entry().principal().equals(principal))
                .map(AccessModelTest::brief).collect(Collectors.toSet());
    }

    private static String brief(AclBinding b) {
        return b.entry().operation() + " " + b.pattern().resourceType() + " " + b.pattern().name()
                + (b.pattern().patternType() == org.apache.kafka.common.resource.PatternType.PREFIXED ? "*" : "");
    }

    @Test
    void theDetectorReadsItsInputsAndWritesItsOutputsOnly() {
        assertThat(model.principal(Role.DETECTOR)).isEqualTo("User:CN=flink");
        assertThat(of("User:CN=flink")).containsExactlyInAnyOrder(
                "READ TOPIC " + topics.calls().name(), "DESCRIBE TOPIC " + topics.calls().name(),
                "READ TOPIC " + topics.consents().name(), "DESCRIBE TOPIC " + topics.consents().name(),
                "READ TOPIC " + topics.agreements().name(), "DESCRIBE TOPIC " + topics.agreements().name(),
                "WRITE TOPIC " + topics.violations().name(), "DESCRIBE TOPIC " + topics.violations().name(),
                "WRITE TOPIC " + topics.alerts().name(), "DESCRIBE TOPIC " + topics.alerts().name(),
                "WRITE TOPIC " + topics.deadLetters().name(), "DESCRIBE TOPIC " + topics.deadLetters().name(),
                "READ GROUP access-detector",
                "WRITE TRANSACTIONAL_ID access-detector-*", "DESCRIBE TRANSACTIONAL_ID access-detector-*");
    }

    @Test
    void theWritersWriteOnlyTheirTopicsAndRespondersWriteOnlyTheAuditLog() {
        assertThat(of("User:simulator")).containsExactlyInAnyOrder(
                "WRITE TOPIC " + topics.calls().name(), "DESCRIBE TOPIC " + topics.calls().name(),
                "WRITE TOPIC " + topics.consents().name(), "DESCRIBE TOPIC " + topics.consents().name());
        assertThat(of("User:agreements")).containsExactlyInAnyOrder(
                "READ TOPIC " + topics.agreements().name(), "WRITE TOPIC " + topics.agreements().name(),
                "DESCRIBE TOPIC " + topics.agreements().name());
        Set<String> responderWrites = model.bindings().stream()
                .filter(b -> b.entry().principal().equals("User:responder"))
                .filter(b -> b.entry().operation() != AclOperation.READ && b.entry().operation() != AclOperation.DESCRIBE)
                .map(AccessModelTest::brief).collect(Collectors.toSet());
        assertThat(responderWrites).containsExactly("WRITE TOPIC " + topics.audit().name());
        assertThat(of("User:router")).contains("READ TOPIC " + topics.alerts().name(), "READ GROUP alert-router")
                .noneMatch(a -> a.contains(topics.violations().name()));
    }

    @Test
    void noRoleMayAlterTheClusterOrDeleteAnything() {
        List<AclBinding> all = model.bindings();
        assertThat(all).noneMatch(b -> b.pattern().resourceType() == ResourceType.CLUSTER);
        assertThat(all).noneMatch(b -> Set.of(AclOperation.ALL, AclOperation.DELETE, AclOperation.ALTER,
                AclOperation.ALTER_CONFIGS).contains(b.entry().operation()));
    }
}
