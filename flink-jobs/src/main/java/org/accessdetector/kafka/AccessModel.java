package org.accessdetector.kafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may do what on the detector's topics: each part of the system gets its own Kafka principal with the
 * least it needs, and a broker that authorizes requests (ACLs, nothing allowed by default) refuses the rest.
 * <ul>
 *   <li>{@code detector} (the Flink job): reads calls, consents and agreements in its consumer group; writes
 *       violations, alerts and dead letters, in transactions named after its group.</li>
 *   <li>{@code simulator} (stands in for the platform's API gateway and consent service): writes calls and
 *       consents only.</li>
 *   <li>{@code agreements} ({@code agreements publish}): reads and writes the agreements topic only.</li>
 *   <li>{@code router} (the alert router): reads alerts in its group; writes (and may create) its dead-letter
 *       topic.</li>
 *   <li>{@code responder} (sql, hunt, evidence, violations, grants report): reads every retained topic; writes
 *       only the audit log, which records what responders looked at.</li>
 * </ul>
 * Creating topics and granting ACLs is the super user's business, not any of these.
 */
public final class AccessModel {

    /** The parts of the system, each a principal. */
    public enum Role {
        DETECTOR("detector"), SIMULATOR("simulator"), AGREEMENTS("agreements"), ROUTER("router"),
        RESPONDER("responder");

        /** The user name of the role on the local secure broker. */
        public final String user;

        Role(String user) {
            this.user = user;
        }
    }

    /** The alert router's topic and group, which are the router's own settings (defaults as it has them). */
    public record RouterSettings(String groupId, String deadLetterTopic) {
        public static final RouterSettings DEFAULTS = new RouterSettings("alert-router", "alert-router-dead-letters");
    }

    private final Topics topics;
    private final String detectorGroup;
    private final RouterSettings router;
    private final Map<Role, String> principals;

    /**
     * @param principals the Kafka principal of each role, e.g. {@code User:detector}; a role not given is
     *                   {@code User:<role's user>}
     */
    public AccessModel(Topics topics, String detectorGroup, RouterSettings router, Map<Role, String> principals) {
        this.topics = topics;
        this.detectorGroup = detectorGroup;
        this.router = router;
        this.principals = new LinkedHashMap<>();
        for (Role r : Role.values()) {
            this.principals.put(r, principals.getOrDefault(r, "User:" + r.user));
        }
    }

    public String principal(Role role) {
        return principals.get(role);
    }

    /** Every ACL of the model, role by role. */
    public List<AclBinding> bindings() {
        List<AclBinding> acls = new ArrayList<>();
        String detector = principals.get(Role.DETECTOR);
        for (String in : List.of(topics.calls().name(), topics.consents().name(), topics.agreements().name())) {
            allow(acls, detector, ResourceType.TOPIC, in, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE);
        }
        for (String out : List.of(topics.violations().name(), topics.alerts().name(), topics.deadLetters().name())) {
            allow(acls, detector, ResourceType.TOPIC, out, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE);
        }
        allow(acls, detector, ResourceType.GROUP, detectorGroup, PatternType.LITERAL, AclOperation.READ);
        // The exactly-once sinks' transactional ids all begin with the group id (see LiveJob).
        allow(acls, detector, ResourceType.TRANSACTIONAL_ID, detectorGroup + "-", PatternType.PREFIXED,
                AclOperation.WRITE, AclOperation.DESCRIBE);

        String simulator = principals.get(Role.SIMULATOR);
        for (String out : List.of(topics.calls().name(), topics.consents().name())) {
            allow(acls, simulator, ResourceType.TOPIC, out, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE);
        }

        // Publishing reads what is already there first, so that an unchanged agreement is not written again.
        allow(acls, principals.get(Role.AGREEMENTS), ResourceType.TOPIC, topics.agreements().name(),
                PatternType.LITERAL, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);

        String routerPrincipal = principals.get(Role.ROUTER);
        allow(acls, routerPrincipal, ResourceType.TOPIC, topics.alerts().name(), PatternType.LITERAL,
                AclOperation.READ, AclOperation.DESCRIBE);
        allow(acls, routerPrincipal, ResourceType.GROUP, router.groupId(), PatternType.LITERAL, AclOperation.READ);
        allow(acls, routerPrincipal, ResourceType.TOPIC, router.deadLetterTopic(), PatternType.LITERAL,
                AclOperation.CREATE, AclOperation.WRITE, AclOperation.DESCRIBE);

        String responder = principals.get(Role.RESPONDER);
        for (String retained : List.of(topics.calls().name(), topics.consents().name(), topics.agreements().name(),
                topics.violations().name(), topics.alerts().name(), topics.deadLetters().name(),
                router.deadLetterTopic())) {
            allow(acls, responder, ResourceType.TOPIC, retained, PatternType.LITERAL, AclOperation.READ,
                    AclOperation.DESCRIBE);
        }
        allow(acls, responder, ResourceType.TOPIC, topics.audit().name(), PatternType.LITERAL, AclOperation.WRITE,
                AclOperation.DESCRIBE);
        return acls;
    }

    /** Grants every ACL of the model (granting one that exists changes nothing); returns them. */
    public List<AclBinding> grant(Admin admin) throws ExecutionException, InterruptedException {
        List<AclBinding> acls = bindings();
        admin.createAcls(acls).all().get();
        return acls;
    }

    private static void allow(List<AclBinding> acls, String principal, ResourceType type, String name,
            PatternType pattern, AclOperation... operations) {
        for (AclOperation op : operations) {
            acls.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
        }
    }
}
