package org.accessdetector.avro;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The schema store: every released version of a record's schema, shipped in the schemas jar as
 * {@code schemas/released/<Record>.v<N>.avsc}, so records written by older producers still decode.
 */
public final class ReleasedSchemas {

    private ReleasedSchemas() {}

    /** Versions 1, 2, ... of the named record, oldest first, stopping at the first missing version. */
    public static List<Schema> of(String recordName) {
        List<Schema> versions = new ArrayList<>();
        for (int v = 1; ; v++) {
            String resource = "/schemas/released/" + recordName + ".v" + v + ".avsc";
            try (InputStream in = ReleasedSchemas.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return versions;
                }
                versions.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
    }
}
