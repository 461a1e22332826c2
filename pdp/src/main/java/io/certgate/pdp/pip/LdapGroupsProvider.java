package io.certgate.pdp.pip;

import com.linecorp.armeria.common.annotation.Nullable;
import com.unboundid.ldap.sdk.BindRequest;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.SocketFactory;

/**
 * Groups from an LDAP directory (Active Directory, OpenLDAP) through a pool of bound connections.
 * UnboundID's calls block, so they run on a small executor of their own (sized like the bulkhead in
 * front of it), never on an event loop.
 */
final class LdapGroupsProvider implements AutoCloseable {
    private final LdapConfig config;
    private final LDAPConnectionPool pool;
    private final ExecutorService executor;
    private final int timeoutMillis;

    LdapGroupsProvider(LdapConfig config) {
        this.config = config;
        this.timeoutMillis = (int) config.resilience().timeout().toMillis();
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        options.setConnectTimeoutMillis(timeoutMillis);
        options.setResponseTimeoutMillis(timeoutMillis);
        boolean ldaps = "ldaps".equals(config.url().getScheme());
        if (ldaps) {
            options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(false)); // the certificate must name the host
        }
        int port = config.url().getPort() > 0 ? config.url().getPort() : ldaps ? 636 : 389;
        SocketFactory sockets = ldaps ? tlsSockets(config) : SocketFactory.getDefault();
        BindRequest bind = config.bindDn() == null ? null
                : new SimpleBindRequest(config.bindDn(), config.bindPassword());
        try {
            // No connection at start (throwOnConnectFailure=false): a directory that is down when the PDP
            // starts makes lookups unavailable, it does not stop the PDP.
            this.pool = new LDAPConnectionPool(new SingleServerSet(config.url().getHost(), port, sockets, options),
                    bind, 0, config.poolSize(), null, false);
        } catch (LDAPException e) {
            throw new IllegalArgumentException("providers.ldap: cannot create the connection pool: "
                    + e.getMessage(), e);
        }
        pool.setRetryFailedOperationsDueToInvalidConnections(true);
        pool.setMaxWaitTimeMillis(timeoutMillis);
        pool.setConnectionPoolName("certgate-ldap");
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(config.resilience().maxConcurrency(), r -> {
            Thread t = new Thread(r, "certgate-ldap-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    private static SocketFactory tlsSockets(LdapConfig config) {
        try {
            SSLUtil ssl = config.caFile() == null ? new SSLUtil()
                    : new SSLUtil(new PEMFileTrustManager(config.caFile().toFile()));
            return ssl.createSSLSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("providers.ldap: cannot set up ldaps with ca_file "
                    + config.caFile() + ": " + e.getMessage(), e);
        }
    }

    CompletableFuture<SubjectGroups> fetch(String id) {
        return CompletableFuture.supplyAsync(() -> lookup(id), executor);
    }

    private SubjectGroups lookup(String id) {
        String filter = config.userFilter().replace("{id}", Filter.encodeValue(id));
        SearchResultEntry user = findUser(filter);
        if (user == null) {
            return SubjectGroups.notFound();
        }
        if (config.memberOf()) {
            List<String> groups = new ArrayList<>();
            String[] values = user.getAttributeValues("memberOf");
            for (String v : values == null ? new String[0] : values) {
                groups.add(groupName(v, user.getDN()));
            }
            return new SubjectGroups(true, groups);
        }
        return new SubjectGroups(true, searchGroups(user.getDN()));
    }

    @Nullable
    private SearchResultEntry findUser(String filter) {
        SearchResult result = search(config.baseDn(), filter, "memberOf");
        List<SearchResultEntry> entries = result.getSearchEntries();
        if (entries.size() > 1) {
            throw new ProviderException("ldap: the user filter " + filter + " matched " + entries.size()
                    + " entries under " + config.baseDn() + "; it must identify one user");
        }
        return entries.isEmpty() ? null : entries.get(0);
    }

    private List<String> searchGroups(String userDn) {
        String filter = config.groupFilter().replace("{dn}", Filter.encodeValue(userDn));
        List<String> groups = new ArrayList<>();
        for (SearchResultEntry g : search(config.groupBaseDn(), filter, config.groupNameAttribute())
                .getSearchEntries()) {
            String name = g.getAttributeValue(config.groupNameAttribute());
            if (name == null || name.isBlank()) {
                throw new ProviderException("ldap: group entry " + g.getDN() + " has no "
                        + config.groupNameAttribute() + " value");
            }
            groups.add(name);
        }
        return groups;
    }

    private SearchResult search(String base, String filter, String attribute) {
        try {
            SearchRequest request = new SearchRequest(base, SearchScope.SUB, Filter.create(filter), attribute);
            request.setResponseTimeoutMillis(timeoutMillis);
            request.setTimeLimitSeconds(Math.max(1, (timeoutMillis + 999) / 1000));
            request.setSizeLimit(1000);
            return pool.search(request);
        } catch (LDAPException e) {
            throw new ProviderException("ldap: search under " + base + " for " + filter + " failed: "
                    + e.getResultCode() + (e.getDiagnosticMessage() == null ? "" : " (" + e.getDiagnosticMessage() + ")"),
                    e);
        }
    }

    /** The group's name: the configured attribute of the first RDN of a memberOf DN. */
    private String groupName(String memberOf, String userDn) {
        try {
            RDN rdn = new DN(memberOf).getRDN();
            if (rdn != null) {
                for (int i = 0; i < rdn.getAttributeNames().length; i++) {
                    if (rdn.getAttributeNames()[i].equalsIgnoreCase(config.groupNameAttribute())
                            && !rdn.getAttributeValues()[i].isBlank()) {
                        return rdn.getAttributeValues()[i];
                    }
                }
            }
            throw new ProviderException("ldap: memberOf value '" + memberOf + "' of " + userDn
                    + " does not start with " + config.groupNameAttribute() + "=");
        } catch (LDAPException e) {
            throw new ProviderException("ldap: memberOf value '" + memberOf + "' of " + userDn
                    + " is not a valid DN: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        pool.close();
    }
}
