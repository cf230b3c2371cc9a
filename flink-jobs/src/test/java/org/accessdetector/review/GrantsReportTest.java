package org.accessdetector.review;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.accessdetector.cli.DetectorCli;
import org.accessdetector.testing.Story;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./detector grants report} over the test story's files, against rows worked out by hand. */
class GrantsReportTest {

    @TempDir
    Path dir;

    private List<String> report(String at) throws Exception {
        Path agreements = Files.write(dir.resolve("agreements.jsonl"), Story.AGREEMENTS);
        Path calls = Files.write(dir.resolve("calls.jsonl"), Story.CALLS);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = DetectorCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("grants", "report", "--agreements", agreements.toString(), "--calls", calls.toString(),
                "--at", at, "--since", "1d", "--format", "csv");
        assertThat(exit).as(err.toString()).isZero();
        return out.toString().lines().toList();
    }

    @Test
    void beforeTheRevocationEveryGrantWithItsUseAndTheDormantOnesFirst() throws Exception {
        assertThat(report("2018-12-18T09:50:00Z")).containsExactly(
                "partner,version,resource,action,sensitive,status,calls,records,users,last_used",
                // acme-phones only wrote messages (c3, not granted) and had a write DENIED (c12)
                "acme-phones,1,MESSAGES,READ,true,DORMANT,0,0,0,",
                "acme-phones,1,CONTACTS,READ,true,USED,4,211,1,2018-12-18T09:11:00Z", // c1, r1..r3 (c2 is at 10:00)
                "acme-phones,1,FRIENDS,READ,false,USED,2,2,1,2018-12-18T09:00:00Z", // c4, c5: carol's data
                "chatbank,1,MESSAGES,WRITE,true,DORMANT,0,0,0,",
                "chatbank,1,MESSAGES,READ,true,USED,4,4,3,2018-12-18T09:30:00Z", // c6, c7 (bob), c8 (alice), c13
                "streamly,1,PROFILE,READ,false,DORMANT,0,0,0,"); // c10 and c11 come after 09:50
    }

    @Test
    void afterTheRevocationAndTheLapseThosePartnersAreListedAsStillCalling() throws Exception {
        assertThat(report("2018-12-18T13:00:00Z")).containsExactly(
                "partner,version,resource,action,sensitive,status,calls,records,users,last_used",
                "chatbank,1,MESSAGES,WRITE,true,DORMANT,0,0,0,",
                "chatbank,1,MESSAGES,READ,true,USED,4,4,3,2018-12-18T09:30:00Z",
                "",
                "partner,version,status,since,calls,users,last_call",
                "acme-phones,2,REVOKED,2018-12-18T10:00:00Z,1,1,2018-12-18T10:00:00Z", // c2
                "streamly,1,LAPSED,2018-12-18T12:00:00Z,1,1,2018-12-18T12:00:00Z"); // c11
    }
}
