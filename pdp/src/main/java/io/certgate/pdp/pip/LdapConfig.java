package io.certgate.pdp.pip;

import com.linecorp.armeria.common.annotation.Nullable;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import io.certgate.pdp.config.ConfigNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code providers.ldap}: groups from a directory. The subject's entry is found under {@code baseDn} by
 * {@code userFilter} ({@code {id}} is replaced by the RFC 4515-escaped identity); its groups are the
 * {@code memberOf} values, or the entries under {@code groupBaseDn} matching {@code groupFilter}
 * ({@code {dn}} = the user's escaped DN). A group's name is its {@code groupNameAttribute}.
 */
public record LdapConfig(URI url, @Nullable String bindDn, @Nullable String bindPassword, String baseDn,
        String userFilter, boolean memberOf, String groupBaseDn, String groupFilter, String groupNameAttribute,
        int poolSize, @Nullable Path caFile, IdentitySource subject, ResilienceSettings resilience) {

    static LdapConfig parse(ConfigNode s) {
        URI url = s.url("url", Set.of("ldap", "ldaps"), "ldap://host:389 or ldaps://host:636",
                "must be ldap://host[:port] or ldaps://host[:port]");
        String bindDn = s.string("bind_dn", null);
        String password = s.secret("bind_password", "bind_password_env");
        if (bindDn != null && password == null) {
            s.error("bind_dn", "needs bind_password or bind_password_env");
        }
        String baseDn = s.string("base_dn", null);
        if (baseDn == null) {
            s.error("base_dn", "is required (e.g. ou=people,dc=example,dc=com)");
        }
        String userFilter = s.string("user_filter", "(uid={id})");
        if (!userFilter.contains("{id}")) {
            s.error("user_filter", "must contain {id}, got '" + userFilter + "'");
        } else {
            checkFilter(s, "user_filter", userFilter.replace("{id}", "x"));
        }
        String from = s.oneOf("groups_from", "member_of", List.of("member_of", "search"));
        String groupBase = s.string("group_base_dn", baseDn);
        String groupFilter = s.string("group_filter", "(member={dn})");
        if (!groupFilter.contains("{dn}")) {
            s.error("group_filter", "must contain {dn}, got '" + groupFilter + "'");
        } else {
            checkFilter(s, "group_filter", groupFilter.replace("{dn}", "x"));
        }
        String nameAttr = s.string("group_name_attribute", "cn");
        int pool = s.integer("pool_size", 4, 1, 256);
        String ca = s.string("ca_file", null);
        Path caFile = ca == null ? null : Path.of(ca);
        if (caFile != null && !Files.isReadable(caFile)) {
            s.error("ca_file", "file not found or not readable: " + caFile);
        }
        IdentitySource subject = IdentitySource.parse(s, "subject_from", "subject_prefix", "cn");
        ResilienceSettings r = ResilienceSettings.parse(s, ResilienceSettings.defaults());
        return new LdapConfig(url == null ? URI.create("ldap://invalid") : url, bindDn, password, baseDn == null ? "" : baseDn, userFilter,
                "member_of".equals(from), groupBase == null ? "" : groupBase, groupFilter, nameAttr, pool, caFile,
                subject, r);
    }

    private static void checkFilter(ConfigNode s, String key, String filter) {
        try {
            Filter.create(filter);
        } catch (LDAPException e) {
            s.error(key, "is not an LDAP filter (RFC 4515): " + e.getMessage());
        }
    }
}
