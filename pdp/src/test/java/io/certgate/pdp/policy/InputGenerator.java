package io.certgate.pdp.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded mutations of realistic inputs: every fact the reference policy reads is varied across
 * plausible and hostile values (wrong types, missing sections), so the differential test explores
 * allow, deny and challenge paths rather than one happy input.
 */
final class InputGenerator {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String[] IPS = {"10.1.2.3", "192.168.7.9", "203.0.113.7", "198.51.100.20", "2001:db8::5",
        "fd00::1", "127.0.0.1", "not-an-ip"};
    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    private static final String[] PATHS = {"/", "/api/v1/invoices", "/admin/users", "/api/v1/payments/42",
        "/health", "/admin"};
    private static final String[] GROUP_STATUS = {"ok", "stale", "unavailable"};

    private final Random random;
    private final List<ObjectNode> seeds;

    InputGenerator(long seed, List<ObjectNode> seeds) {
        this.random = new Random(seed);
        this.seeds = seeds;
    }

    List<ObjectNode> generate(int count) {
        List<ObjectNode> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ObjectNode input = seeds.get(random.nextInt(seeds.size())).deepCopy();
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                mutate(input);
            }
            out.add(input);
        }
        return out;
    }

    private void mutate(ObjectNode in) {
        switch (random.nextInt(16)) {
            case 0 -> section(in, "connection").put("client_ip", pick(IPS));
            case 1 -> {
                ObjectNode t = section(in, "time");
                t.put("weekday", pick(DAYS));
                t.put("hour", random.nextInt(24));
                t.put("minute", random.nextInt(60));
                JsonNode zones = t.path("zones");
                if (zones.isObject()) {
                    zones.forEach(z -> {
                        ((ObjectNode) z).put("weekday", pick(DAYS));
                        ((ObjectNode) z).put("hour", random.nextInt(24));
                    });
                }
            }
            case 2 -> section(in, "request").put("method", pick(METHODS));
            case 3 -> section(in, "request").put("path", pick(PATHS));
            case 4 -> {
                ObjectNode c = section(in, "certificate");
                int code = new int[] {0, 0, 10, 2, 20, 23, 26}[random.nextInt(7)];
                c.put("verify_code", code);
                c.put("verified", code == 0);
                c.put("expires_in_days", random.nextInt(400) - 30);
            }
            case 5 -> section(in, "certificate").put("present", random.nextBoolean());
            case 6 -> {
                ObjectNode s = section(in, "subject");
                ArrayNode groups = s.putArray("groups");
                for (String g : new String[] {"finance", "payments-admins", "engineering", "contractors"}) {
                    if (random.nextBoolean()) {
                        groups.add(g);
                    }
                }
                s.put("groups_status", pick(GROUP_STATUS));
            }
            case 7 -> {
                ObjectNode mfa = section(in, "mfa");
                mfa.put("verified", random.nextBoolean());
                mfa.put("age_seconds", random.nextInt(20_000));
                mfa.put("status", pick(GROUP_STATUS));
                mfa.put("token_bound", random.nextBoolean());
            }
            case 8 -> {
                ObjectNode d = section(in, "device");
                ObjectNode p = d.putObject("posture");
                p.put("compliant", random.nextBoolean());
                p.put("managed", random.nextBoolean());
                p.put("disk_encrypted", random.nextBoolean());
                p.put("edr_running", random.nextBoolean());
                p.put("os_patch_age_days", random.nextInt(90));
                d.put("status", pick(GROUP_STATUS));
            }
            case 9 -> in.remove(pick(new String[] {"certificate", "connection", "request", "service", "subject",
                "mfa", "device", "time"}));
            case 10 -> section(in, "service").put("id", pick(new String[] {"partner-api", "admin-portal",
                "iot-ingest", "unknown-svc"}));
            case 11 -> section(in, "certificate").put("cn", pick(new String[] {"billing-client", "sensor-0042",
                "unknown-client", "admin-tool"}));
            case 12 -> in.set(pick(new String[] {"certificate", "request", "mfa", "time"}), wrongType());
            case 13 -> in.putObject("limits").put("exceeded", random.nextBoolean()).put("name", "per-client");
            case 14 -> section(in, "certificate").put("sha256", random.nextBoolean()
                    ? "00".repeat(32) : in.path("certificate").path("sha256").asText("ab"));
            default -> section(in, "certificate").put("issuer_dn", pick(new String[] {
                "CN=Partner Issuing CA,O=Example Corp,C=US", "CN=Unknown CA", ""}));
        }
    }

    private JsonNode wrongType() {
        return switch (random.nextInt(4)) {
            case 0 -> F.textNode("oops");
            case 1 -> F.numberNode(42);
            case 2 -> F.arrayNode().add(1);
            default -> F.nullNode();
        };
    }

    private ObjectNode section(ObjectNode in, String name) {
        JsonNode n = in.get(name);
        if (n instanceof ObjectNode o) {
            return o;
        }
        return in.putObject(name);
    }

    private String pick(String[] values) {
        return values[random.nextInt(values.length)];
    }
}
