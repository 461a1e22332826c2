package io.certgate.testdata;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Writes the test PKI as PEM files.
 *
 * <pre>
 * java -cp testdata/target/testdata-*.jar io.certgate.testdata.GeneratePki OUT_DIR [--now RFC3339] [--rsa]
 * </pre>
 */
public final class GeneratePki {
    private GeneratePki() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        Path out = null;
        TestPki.Builder builder = TestPki.builder();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> {
                    usage();
                    return 0;
                }
                case "--rsa" -> builder.rsa();
                case "--now" -> {
                    if (i + 1 >= args.length) {
                        System.err.println("--now needs an RFC 3339 instant, e.g. 2025-06-01T12:00:00Z");
                        return 2;
                    }
                    try {
                        builder.now(Instant.parse(args[++i]));
                    } catch (DateTimeParseException e) {
                        System.err.println("--now: not an RFC 3339 instant: " + args[i]);
                        return 2;
                    }
                }
                default -> {
                    if (a.startsWith("-") || out != null) {
                        System.err.println("unexpected argument: " + a);
                        usage();
                        return 2;
                    }
                    out = Path.of(a);
                }
            }
        }
        if (out == null) {
            usage();
            return 2;
        }
        TestPki pki = builder.build();
        try {
            List<Path> files = pki.writeTo(out);
            System.out.println("wrote " + files.size() + " files to " + out.toAbsolutePath()
                    + " (now = " + pki.now() + ", " + pki.keyType() + "); see README.md there");
            return 0;
        } catch (IOException e) {
            System.err.println("cannot write " + out + ": " + e);
            return 1;
        }
    }

    private static void usage() {
        System.err.println("usage: GeneratePki OUT_DIR [--now 2025-06-01T12:00:00Z] [--rsa]");
    }
}
