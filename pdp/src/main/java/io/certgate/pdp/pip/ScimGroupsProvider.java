package io.certgate.pdp.pip;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.QueryParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Groups from a SCIM 2.0 service (RFC 7644 filter on {@code userName}, groups of the user resource). */
final class ScimGroupsProvider {
    private static final String LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

    private final ScimConfig config;
    private final WebClient client;
    private final ObjectMapper json;

    ScimGroupsProvider(ScimConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
        this.client = config.endpoint().client(config.resilience().timeout());
    }

    CompletableFuture<SubjectGroups> fetch(String userName) {
        String query = QueryParams.of("filter", "userName eq " + scimString(userName)).toQueryString();
        return client.get("/Users?" + query).aggregate().thenApply(r -> parse(r, userName));
    }

    /** A SCIM filter string literal (RFC 7644 §3.4.2.2 uses JSON string syntax). */
    static String scimString(String s) {
        try {
            return new ObjectMapper().writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private SubjectGroups parse(AggregatedHttpResponse r, String userName) {
        if (!r.status().equals(HttpStatus.OK)) {
            throw new ProviderException("scim: GET /Users answered " + r.status());
        }
        JsonNode doc;
        try {
            doc = json.readTree(r.contentUtf8());
        } catch (JsonProcessingException e) {
            throw new ProviderException("scim: the /Users answer is not JSON: " + e.getOriginalMessage());
        }
        if (doc == null || !doc.isObject()) {
            throw new ProviderException("scim: the /Users answer is not a JSON object");
        }
        boolean listResponse = false;
        for (JsonNode s : doc.path("schemas")) {
            listResponse |= LIST_RESPONSE.equals(s.asText());
        }
        if (!listResponse) {
            throw new ProviderException("scim: the /Users answer is not a ListResponse (schemas lacks "
                    + LIST_RESPONSE + ")");
        }
        JsonNode total = doc.path("totalResults");
        JsonNode resources = doc.path("Resources");
        if (!total.canConvertToExactIntegral() || total.asLong() < 0) {
            throw new ProviderException("scim: totalResults is missing or not a non-negative integer");
        }
        if (total.asLong() == 0) {
            return SubjectGroups.notFound();
        }
        if (!resources.isArray() || resources.size() != total.asLong()) {
            throw new ProviderException("scim: Resources does not hold the totalResults (" + total.asLong()
                    + ") users");
        }
        if (resources.size() > 1) {
            throw new ProviderException("scim: userName eq " + scimString(userName) + " matched "
                    + resources.size() + " users; it must identify one");
        }
        JsonNode user = resources.get(0);
        if (!user.path("userName").isTextual() || !user.path("userName").asText().equalsIgnoreCase(userName)) {
            throw new ProviderException("scim: the returned user's userName " + user.path("userName")
                    + " is not the one asked for");
        }
        JsonNode groups = user.path("groups");
        if (groups.isMissingNode() || groups.isNull()) {
            return new SubjectGroups(true, List.of());
        }
        if (!groups.isArray()) {
            throw new ProviderException("scim: groups of " + userName + " is not an array");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            JsonNode name = groups.get(i).path(config.groupAttribute());
            if (!name.isTextual() || name.asText().isBlank()) {
                throw new ProviderException("scim: groups[" + i + "] of " + userName + " has no string "
                        + config.groupAttribute());
            }
            names.add(name.asText());
        }
        return new SubjectGroups(true, names);
    }
}
