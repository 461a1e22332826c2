package io.certgate.pdp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.api.RequestJson;
import io.certgate.pdp.bundle.BundleManager;
import io.certgate.pdp.bundle.BundleStatus;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.DecisionService;
import io.certgate.pdp.engine.PolicyException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "decide", mixinStandardHelpOptions = true,
        description = "Evaluate one input offline and print the decision JSON (what-if). An input.time in the"
                + " file is kept, so a logged decision replays exactly; otherwise the time is now (or --at).")
public final class DecideCommand implements Callable<Integer> {
    static final class Source {
        @Option(names = "--policies", required = true, description = "directory of .rego and data.json")
        Path policies;

        @Option(names = "--bundle", required = true, description = "OPA wasm bundle .tar.gz")
        Path bundle;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source;

    @Option(names = "--input", required = true, description = "input JSON file ('-' for stdin)")
    Path input;

    @Option(names = "--entrypoint", description = "entrypoint (default mtls/authz/decision)")
    String entrypoint;

    @Option(names = "--at", description = "evaluate as of this RFC 3339 instant, e.g. 2026-03-02T09:30:00Z")
    String at;

    @Option(names = "--timezone", description = "zone of input.time (default UTC)")
    String timezone;

    @Option(names = "--trace", description = "also explain the decision: for each outcome class in precedence"
            + " order whether it passed, its reasons and the data it consulted (the policy's <entrypoint>_trace"
            + " rule, e.g. mtls/authz/decision_trace)")
    boolean trace;

    @Option(names = "--json", description = "with --trace: print {\"decision\": ..., \"trace\": ...} as JSON")
    boolean json;

    /** An input file that cannot be used; the message names the file and the place. */
    private static final class BadInput extends Exception {
        private static final long serialVersionUID = 1L;

        BadInput(String message) {
            super(message);
        }
    }

    /**
     * The input document. An OPA request body ({@code {"input": …}} and nothing else) is unwrapped, so the
     * file a client POSTs to {@code /v1/data} works here too.
     */
    private ObjectNode readInput() throws BadInput {
        String name = input.toString().equals("-") ? "stdin" : input.toString();
        byte[] bytes;
        try {
            bytes = name.equals("stdin") ? System.in.readAllBytes() : Files.readAllBytes(input);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BadInput("--input " + name + ": no such file");
        } catch (java.io.IOException e) {
            throw new BadInput("--input " + name + ": cannot read: " + e.getMessage());
        }
        JsonNode doc;
        try {
            doc = RequestJson.read(bytes, name);
        } catch (RequestJson.InvalidJsonException e) {
            throw new BadInput(e.getMessage());
        }
        if (doc instanceof ObjectNode wrapper && wrapper.size() == 1 && wrapper.get("input") instanceof ObjectNode in) {
            return in;
        }
        if (!(doc instanceof ObjectNode obj)) {
            throw new BadInput(name + ": the input must be a JSON object, not "
                    + doc.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return obj;
    }

    @Override
    public Integer call() throws Exception {
        PdpConfig cfg = PdpConfig.defaults().withOverrides(null,
                source == null || source.bundle == null ? null : source.bundle.toString(),
                source == null ? null : source.policies, entrypoint);
        if (timezone != null) {
            try {
                cfg = cfg.withTimezone(ZoneId.of(timezone));
            } catch (DateTimeException e) {
                System.err.println("--timezone: '" + timezone + "' is not an IANA time zone (e.g. Europe/Berlin)");
                return 2;
            }
        }
        cfg = cfg.withDecisionCache(0, false);
        Path from = source == null ? null : source.policies != null ? source.policies : source.bundle;
        if (from != null && !Files.exists(from)) {
            System.err.println("decide: " + (source.policies != null ? "--policies " : "--bundle ") + from
                    + " does not exist");
            return 2;
        }
        ObjectNode obj;
        try {
            obj = readInput();
        } catch (BadInput e) {
            System.err.println("decide: " + e.getMessage());
            return 2;
        }
        Clock clock = at == null ? Clock.systemUTC() : Clock.fixed(Instant.parse(at), ZoneOffset.UTC);
        // the loader's log line speaks of a server ("decisions are denied"); the reason is printed below
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(BundleManager.class))
                .setLevel(ch.qos.logback.classic.Level.OFF);
        try (Pdp pdp = Pdp.start(cfg, new SimpleMeterRegistry(), clock)) {
            BundleStatus status = pdp.bundles().status();
            if (status.revision() == null) {
                System.err.println("decide: cannot load the policy: "
                        + status.lastError().replaceFirst("^cannot load a bundle from ", ""));
                return 1;
            }
            if (at != null) {
                obj.remove("time");
            }
            if (!trace) {
                // a rule that is not a decision (allow := true, a set, a string) prints as its value
                DecisionService.RawEvaluation raw = pdp.decisions().queryDocument(cfg.entrypoint(), obj.deepCopy());
                if (raw.result().isEmpty()) {
                    System.err.println("decide: " + cfg.entrypoint() + " is undefined for this input");
                    return 1;
                }
                if (!raw.result().get().has("effect")) {
                    System.out.println(pdp.json().writerWithDefaultPrettyPrinter()
                            .writeValueAsString(raw.result().get()));
                    return 0;
                }
            }
            Decision d = pdp.decisions().decide(cfg.entrypoint(), obj, null, true);
            ObjectNode decision = pdp.decisions().toJson(d);
            if (!trace) {
                System.out.println(pdp.json().writerWithDefaultPrettyPrinter().writeValueAsString(decision));
                return 0;
            }
            // the input is now enriched (time, certificate), so the trace sees exactly what the decision saw
            String traceEntrypoint = cfg.entrypoint() + "_trace";
            JsonNode traced;
            try {
                traced = DecisionTrace.evaluate(pdp, traceEntrypoint, obj);
            } catch (PolicyException e) {
                System.err.println(e.kind() == PolicyException.Kind.UNKNOWN_ENTRYPOINT
                        ? "--trace: the policy has no entrypoint " + traceEntrypoint + " (" + e.getMessage()
                                + "); see policies/mtls/authz/trace.rego for the reference policy's"
                        : "--trace: " + e.getMessage());
                return 2;
            }
            if (json) {
                ObjectNode both = pdp.json().createObjectNode();
                both.set("decision", decision);
                both.set("trace", traced);
                System.out.println(pdp.json().writerWithDefaultPrettyPrinter().writeValueAsString(both));
            } else {
                System.out.print(DecisionTrace.render(decision, traced, pdp.json()));
            }
            return 0;
        }
    }
}
