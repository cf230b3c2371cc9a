package org.accessdetector.agreements;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.AgreementKind;
import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class AgreementsYamlTest {

    private static long at(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    /** The repository's agreements/partners.yaml, found from the module or the repository root. */
    public static Path bundledFile() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("agreements").resolve("partners.yaml");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new AssertionError("agreements/partners.yaml not found above " + Path.of("").toAbsolutePath());
    }

    private static PartnerAgreement version(List<PartnerAgreement> all, String partner, int version) {
        return all.stream().filter(v -> v.getPartnerId().equals(partner) && v.getVersion() == version).findFirst()
                .orElseThrow(() -> new AssertionError("no version " + version + " of " + partner));
    }

    private static Grant grant(PartnerAgreement v, Resource resource) {
        return v.getGrants().stream().filter(g -> g.getResource() == resource).findFirst()
                .orElseThrow(() -> new AssertionError("no grant " + resource + " in " + v));
    }

    // ---------------------------------------------------------------------------------------------------
    // The bundled file.

    @Test
    void bundledFileHasTheStoryPartners() throws Exception {
        List<PartnerAgreement> all = AgreementsYaml.read(bundledFile());

        Map<String, AgreementKind> kinds = new LinkedHashMap<>();
        all.forEach(v -> kinds.put(v.getPartnerId(), v.getKind()));
        assertThat(kinds).containsExactly(
                Map.entry("acme-phones", AgreementKind.INTEGRATION),
                Map.entry("handset-co", AgreementKind.INTEGRATION),
                Map.entry("blackfruit-devices", AgreementKind.INTEGRATION),
                Map.entry("slate-tablets", AgreementKind.INTEGRATION),
                Map.entry("streamly", AgreementKind.INSTANT_PERSONALIZATION),
                Map.entry("searchy", AgreementKind.INSTANT_PERSONALIZATION),
                Map.entry("tunesbox", AgreementKind.INSTANT_PERSONALIZATION),
                Map.entry("chatbank", AgreementKind.MESSAGING),
                Map.entry("messagely", AgreementKind.MESSAGING),
                Map.entry("flicksnet", AgreementKind.MESSAGING));
        Map<String, List<Integer>> versions = all.stream().collect(Collectors.groupingBy(
                PartnerAgreement::getPartnerId, LinkedHashMap::new,
                Collectors.mapping(PartnerAgreement::getVersion, Collectors.toList())));
        assertThat(versions).containsEntry("acme-phones", List.of(1, 2, 3))
                .containsEntry("streamly", List.of(1, 2))
                .containsEntry("chatbank", List.of(1));
        assertThat(all).hasSize(15);
    }

    @Test
    void bundledFileVersionsReadAsWritten() throws Exception {
        List<PartnerAgreement> all = AgreementsYaml.read(bundledFile());

        PartnerAgreement acme1 = version(all, "acme-phones", 1);
        assertThat(acme1.getAgreementId()).isEqualTo("AGR-2010-017");
        assertThat(acme1.getStatus()).isEqualTo(AgreementStatus.ACTIVE);
        assertThat(acme1.getEffectiveFrom()).isEqualTo(at("2010-06-01T00:00:00Z"));
        assertThat(acme1.getEffectiveUntil()).isNull();
        assertThat(acme1.getGrants()).extracting(Grant::getResource)
                .containsExactly(Resource.CONTACTS, Resource.FRIENDS, Resource.PROFILE);
        Grant contacts = grant(acme1, Resource.CONTACTS);
        assertThat(contacts.getActions()).containsExactly(Action.READ);
        assertThat(contacts.getRequiresUserConsent()).isTrue(); // default
        assertThat(contacts.getAllowFriendData()).isFalse(); // default
        assertThat(contacts.getMaxRecordsPerMinute()).isEqualTo(5000L);
        assertThat(grant(acme1, Resource.FRIENDS).getAllowFriendData()).isTrue();
        assertThat(grant(acme1, Resource.FRIENDS).getMaxRecordsPerMinute()).isNull();

        Grant messages = grant(version(all, "acme-phones", 2), Resource.MESSAGES);
        assertThat(messages.getActions()).containsExactly(Action.READ, Action.WRITE);
        assertThat(messages.getMaxRecordsPerMinute()).isEqualTo(2000L);

        PartnerAgreement acme3 = version(all, "acme-phones", 3);
        assertThat(acme3.getStatus()).isEqualTo(AgreementStatus.REVOKED);
        assertThat(acme3.getEffectiveFrom()).isEqualTo(at("2018-04-01T00:00:00Z"));
        assertThat(acme3.getGrants()).isEmpty();
        assertThat(acme3.getKind()).isEqualTo(AgreementKind.INTEGRATION);
        assertThat(acme3.getAgreementId()).isEqualTo("AGR-2010-017");

        // An offset other than Z is converted to UTC.
        PartnerAgreement slate = version(all, "slate-tablets", 1);
        assertThat(slate.getEffectiveFrom()).isEqualTo(at("2012-08-31T22:00:00Z"));
        assertThat(slate.getEffectiveUntil()).isEqualTo(at("2016-08-31T22:00:00Z"));

        Grant streamlyFriends = grant(version(all, "streamly", 1), Resource.FRIENDS);
        assertThat(streamlyFriends.getRequiresUserConsent()).isFalse();
        assertThat(streamlyFriends.getAllowFriendData()).isTrue();
        assertThat(streamlyFriends.getMaxRecordsPerMinute()).isEqualTo(20000L);
        assertThat(version(all, "searchy", 1).getEffectiveUntil()).isEqualTo(at("2014-12-31T00:00:00Z"));

        // A correction: same effectiveFrom, higher version, its own contract id.
        PartnerAgreement blackfruit2 = version(all, "blackfruit-devices", 2);
        assertThat(blackfruit2.getEffectiveFrom()).isEqualTo(version(all, "blackfruit-devices", 1).getEffectiveFrom());
        assertThat(blackfruit2.getAgreementId()).isEqualTo("AGR-2010-003-A1");
        assertThat(grant(blackfruit2, Resource.CALENDAR).getActions()).containsExactly(Action.READ);

        assertThat(grant(version(all, "messagely", 1), Resource.MESSAGES).getActions())
                .containsExactly(Action.READ, Action.WRITE, Action.DELETE);
    }

    @Test
    void readNamesTheFileInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "partners:\n  - partner: x\n    kind: INTEGRATION\n");
        assertThatThrownBy(() -> AgreementsYaml.read(file))
                .isInstanceOf(AgreementsFileException.class)
                .hasMessageStartingWith(file + ": line 2: partner 'x': missing 'versions:'");
        assertThatThrownBy(() -> AgreementsYaml.read(dir.resolve("missing.yaml")))
                .isInstanceOf(AgreementsFileException.class)
                .hasMessageContaining("missing.yaml: cannot be read");
    }

    // ---------------------------------------------------------------------------------------------------
    // revocation()

    @Test
    void revocationIsTheNextVersionRevokedWithoutGrants() throws Exception {
        List<PartnerAgreement> all = AgreementsYaml.read(bundledFile());
        long t = at("2018-12-18T10:00:00Z");

        PartnerAgreement r = AgreementsYaml.revocation(all, "chatbank", t);
        assertThat(r.getPartnerId()).isEqualTo("chatbank");
        assertThat(r.getVersion()).isEqualTo(2);
        assertThat(r.getStatus()).isEqualTo(AgreementStatus.REVOKED);
        assertThat(r.getEffectiveFrom()).isEqualTo(t);
        assertThat(r.getEffectiveUntil()).isNull();
        assertThat(r.getGrants()).isEmpty();
        assertThat(r.getKind()).isEqualTo(AgreementKind.MESSAGING);
        assertThat(r.getAgreementId()).isEqualTo("MSG-2014-011");

        assertThat(AgreementsYaml.revocation(all, "acme-phones", t).getVersion()).isEqualTo(4);
        // Takes kind and id from the highest version, here a correction with its own id.
        assertThat(AgreementsYaml.revocation(all, "blackfruit-devices", t).getAgreementId())
                .isEqualTo("AGR-2010-003-A1");
    }

    @Test
    void revocationOfAnUnknownPartnerIsRefused() {
        assertThatThrownBy(() -> AgreementsYaml.revocation(List.of(), "nobody", 0L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown partner 'nobody'");
    }

    // ---------------------------------------------------------------------------------------------------
    // Errors: each names where (line, partner, version, grant, field) and what is wrong.

    private static final String HEAD = "partners:\n"
            + "  - partner: acme-phones\n"
            + "    kind: INTEGRATION\n"
            + "    versions:\n";

    private static String contactsVersion(int version, String extraVersionLines, String extraGrantLines) {
        return "      - version: " + version + "\n"
                + "        effectiveFrom: 2010-06-01T00:00:00Z\n"
                + extraVersionLines
                + "        grants:\n"
                + "          - resource: CONTACTS\n"
                + "            actions: [READ]\n"
                + extraGrantLines;
    }

    private static AgreementsFileException errorOf(String yaml) {
        AgreementsFileException e = catchThrowableOfType(AgreementsFileException.class,
                () -> AgreementsYaml.parse(yaml, "test.yaml"));
        assertThat(e).as("expected the YAML to be rejected:%n%s", yaml).isNotNull();
        return e;
    }

    @Test
    void aValidMinimalFileParses() throws Exception {
        List<PartnerAgreement> v = AgreementsYaml.parse(HEAD + contactsVersion(1, "", ""), "test.yaml");
        assertThat(v).hasSize(1);
        assertThat(v.get(0).getGrants().get(0).getMaxRecordsPerMinute()).isNull();
        assertThat(AgreementsYaml.parse("partners: []\n", "empty-list.yaml")).isEmpty();
    }

    @Test
    void unknownEnumSymbolsAreRejectedWithTheAllowedOnes() {
        assertThat(errorOf(HEAD.replace("INTEGRATION", "INTEGRATIONS") + contactsVersion(1, "", "")))
                .hasMessage("test.yaml: line 3: partner 'acme-phones': 'kind' has unknown value 'INTEGRATIONS' "
                        + "(allowed: INTEGRATION, INSTANT_PERSONALIZATION, MESSAGING, OTHER)");
        assertThat(errorOf(HEAD + contactsVersion(1, "", "").replace("CONTACTS", "EMAILS")))
                .hasMessageContaining("line 8: partner 'acme-phones', version 1, grants[0]: 'resource' has unknown "
                        + "value 'EMAILS' (allowed: MESSAGES, THREAD_PARTICIPANTS, CONTACTS");
        assertThat(errorOf(HEAD + contactsVersion(1, "", "").replace("[READ]", "[READ, SHARE]")))
                .hasMessageContaining("version 1, grant CONTACTS: 'actions' has unknown value 'SHARE' "
                        + "(allowed: READ, WRITE, DELETE)");
        assertThat(errorOf(HEAD + contactsVersion(1, "        status: PAUSED\n", "")))
                .hasMessageContaining("version 1: 'status' has unknown value 'PAUSED' (allowed: ACTIVE, REVOKED)");
        // UNKNOWN is the schemas' evolution fallback, never valid input.
        assertThat(errorOf(HEAD + contactsVersion(1, "", "").replace("CONTACTS", "UNKNOWN")))
                .hasMessageContaining("'resource' has unknown value 'UNKNOWN'");
        assertThat(errorOf(HEAD + contactsVersion(1, "        status: UNKNOWN\n", "")))
                .hasMessageContaining("'status' has unknown value 'UNKNOWN'");
        // Symbols are case-sensitive.
        assertThat(errorOf(HEAD + contactsVersion(1, "", "").replace("[READ]", "[read]")))
                .hasMessageContaining("'actions' has unknown value 'read'");
    }

    @Test
    void missingEffectiveFromIsRejected() {
        String yaml = HEAD + contactsVersion(1, "", "").replace("        effectiveFrom: 2010-06-01T00:00:00Z\n", "");
        assertThat(errorOf(yaml)).hasMessage("test.yaml: line 5: partner 'acme-phones', version 1: "
                + "missing 'effectiveFrom' (when the version takes effect, e.g. 2018-04-01T00:00:00Z)");
    }

    @Test
    void duplicateVersionNumberIsRejected() {
        String yaml = HEAD + contactsVersion(1, "", "") + contactsVersion(1, "", "");
        assertThat(errorOf(yaml)).hasMessage("test.yaml: line 10: partner 'acme-phones', version 1: duplicate "
                + "version number 1 (already used on line 5); each version needs its own number");
    }

    @Test
    void aVersionNamingAResourceTwiceIsRejected() {
        String yaml = HEAD + contactsVersion(1, "", "")
                + "          - resource: CONTACTS\n"
                + "            actions: [WRITE]\n";
        assertThat(errorOf(yaml)).hasMessage("test.yaml: line 10: partner 'acme-phones', version 1: names resource "
                + "CONTACTS twice (first on line 8); a version grants each resource at most once, so merge the two "
                + "grants");
    }

    @Test
    void effectiveUntilMustBeAfterEffectiveFrom() {
        assertThat(errorOf(HEAD + contactsVersion(2, "        effectiveUntil: 2010-06-01T00:00:00Z\n", "")))
                .hasMessage("test.yaml: line 7: partner 'acme-phones', version 2: 'effectiveUntil' "
                        + "(2010-06-01T00:00:00Z) must be after 'effectiveFrom' (2010-06-01T00:00:00Z)");
        assertThat(errorOf(HEAD + contactsVersion(2, "        effectiveUntil: 2009-01-01T00:00:00Z\n", "")))
                .hasMessageContaining("'effectiveUntil' (2009-01-01T00:00:00Z) must be after 'effectiveFrom'");
        // Equal instants in different offsets are still equal.
        assertThat(errorOf(HEAD + contactsVersion(2, "        effectiveUntil: 2010-06-01T02:00:00+02:00\n", "")))
                .hasMessageContaining("must be after 'effectiveFrom'");
    }

    @Test
    void negativeLimitIsRejected() {
        assertThat(errorOf(HEAD + contactsVersion(1, "", "            maxRecordsPerMinute: -5\n")))
                .hasMessage("test.yaml: line 10: partner 'acme-phones', version 1, grant CONTACTS: "
                        + "'maxRecordsPerMinute' must not be negative, got -5");
        assertThat(errorOf(HEAD + contactsVersion(1, "", "            maxRecordsPerMinute: 12.5\n")))
                .hasMessageContaining("grant CONTACTS: 'maxRecordsPerMinute' must be a whole number, got 12.5");
        assertThat(errorOf(HEAD + contactsVersion(1, "", "            maxRecordsPerMinute: lots\n")))
                .hasMessageContaining("'maxRecordsPerMinute' must be a whole number, got 'lots'");
    }

    @Test
    void timeWithoutOffsetIsRejected() {
        assertThat(errorOf(HEAD + contactsVersion(1, "", "").replace("00:00:00Z", "00:00:00")))
                .hasMessage("test.yaml: line 6: partner 'acme-phones', version 1: 'effectiveFrom' has no offset: "
                        + "'2010-06-01T00:00:00' (add Z for UTC or an offset such as +02:00, e.g. "
                        + "2018-04-01T00:00:00Z)");
        assertThat(errorOf(HEAD + contactsVersion(1, "", "").replace("2010-06-01T00:00:00Z", "2010-06-01")))
                .hasMessageContaining("'effectiveFrom' is a date without a time and offset: '2010-06-01' "
                        + "(write e.g. 2010-06-01T00:00:00Z)");
        assertThat(errorOf(HEAD + contactsVersion(1, "", "").replace("2010-06-01T00:00:00Z", "1275350400000")))
                .hasMessageContaining("'effectiveFrom' must be an ISO-8601 time with an offset such as "
                        + "2018-04-01T00:00:00Z, got 1275350400000");
        assertThat(errorOf(HEAD + contactsVersion(1, "", "").replace("2010-06-01T00:00:00Z", "last tuesday")))
                .hasMessageContaining("'effectiveFrom' is not an ISO-8601 time with an offset: 'last tuesday'");
    }

    @Test
    void misspeltAndRepeatedKeysAreRejected() {
        assertThat(errorOf(HEAD + contactsVersion(1, "", "            allowFriendDta: true\n")))
                .hasMessage("test.yaml: line 10: partner 'acme-phones', version 1, grant CONTACTS: unknown key "
                        + "'allowFriendDta' in a grant (allowed: actions, allowFriendData, maxRecordsPerMinute, "
                        + "requiresUserConsent, resource)");
        assertThat(errorOf(HEAD + contactsVersion(1, "        effectiveFrom: 2011-01-01T00:00:00Z\n", "")))
                .hasMessageContaining("line 7: partner 'acme-phones', version 1: key 'effectiveFrom' is given "
                        + "twice (first on line 6)");
    }

    @Test
    void otherMistakesAreNamed() {
        assertThat(errorOf(HEAD + contactsVersion(1, "", "") + HEAD.substring("partners:\n".length())
                + contactsVersion(2, "", "")))
                .hasMessageContaining("line 10: partner 'acme-phones': is listed twice (first on line 2)");
        assertThat(errorOf(HEAD + contactsVersion(1, "        status: REVOKED\n", "")))
                .hasMessageContaining("version 1: a REVOKED version grants nothing; remove its 'grants'");
        assertThat(errorOf(HEAD.replace("    kind: INTEGRATION\n", "") + contactsVersion(1, "", "")))
                .hasMessageContaining("line 2: partner 'acme-phones': missing 'kind' (one of INTEGRATION,");
        assertThat(errorOf(HEAD + contactsVersion(0, "", "")))
                .hasMessageContaining("versions[0]: 'version' must be a whole number from 1 to 2147483647, got 0");
        assertThat(errorOf(HEAD + contactsVersion(1, "", "").replace("[READ]", "[]")))
                .hasMessageContaining("grant CONTACTS: 'actions' must be a non-empty list such as [READ, WRITE]");
        assertThat(errorOf(HEAD + contactsVersion(1, "", "").replace("[READ]", "[READ, READ]")))
                .hasMessageContaining("grant CONTACTS: 'actions' lists READ twice");
        assertThat(errorOf(HEAD + contactsVersion(1, "", "            allowFriendData: sometimes\n")))
                .hasMessageContaining("grant CONTACTS: 'allowFriendData' must be true or false, got 'sometimes'");
        assertThat(errorOf("partners:\n  - partner: ''\n    kind: OTHER\n    versions: []\n"))
                .hasMessageContaining("partners[0]: 'partner' must not be empty");
        assertThat(errorOf("")).hasMessage("test.yaml: the file is empty: expected a 'partners:' list");
        assertThat(errorOf("partner: acme-phones\n"))
                .hasMessageContaining("unknown key 'partner' at the top (allowed: partners)")
                .hasMessageContaining("missing 'partners:' list");
        assertThat(errorOf("partners:\n  - partner: [unclosed\n")).hasMessageContaining("not valid YAML");
        assertThat(errorOf("partners: []\n---\npartners: []\n")).hasMessageContaining("a second YAML document");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        String yaml = HEAD + contactsVersion(1, "", "            maxRecordsPerMinute: -1\n")
                + contactsVersion(1, "        effectiveUntil: 2001-01-01T00:00:00Z\n", "").replace("CONTACTS", "MAIL");
        AgreementsFileException e = errorOf(yaml);
        assertThat(e.sourceName()).isEqualTo("test.yaml");
        assertThat(e.problems()).hasSize(4);
        assertThat(e.problems().get(0)).contains("'maxRecordsPerMinute' must not be negative");
        assertThat(e.problems().get(1)).contains("duplicate version number 1");
        assertThat(e.problems().get(2)).contains("'effectiveUntil' (2001-01-01T00:00:00Z) must be after");
        assertThat(e.problems().get(3)).contains("'resource' has unknown value 'MAIL'");
        assertThat(e.getMessage()).startsWith("test.yaml: 4 problems:");
    }
}
