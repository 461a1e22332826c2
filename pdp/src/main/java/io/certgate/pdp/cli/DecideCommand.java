package io.certgate.pdp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.bundle.BundleStatus;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.decision.Decision;
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
        Clock clock = at == null ? Clock.systemUTC() : Clock.fixed(Instant.parse(at), ZoneOffset.UTC);
        try (Pdp pdp = Pdp.start(cfg, new SimpleMeterRegistry(), clock)) {
            BundleStatus status = pdp.bundles().status();
            if (status.revision() == null) {
                System.err.println(status.lastError());
                return 2;
            }
            String text = input.toString().equals("-") ? new String(System.in.readAllBytes())
                    : Files.readString(input);
            JsonNode doc = pdp.json().readTree(text);
            if (!(doc instanceof ObjectNode obj)) {
                System.err.println(input + ": the input must be a JSON object");
                return 2;
            }
            if (at != null) {
                obj.remove("time");
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
