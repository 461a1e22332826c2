package io.certgate.pdp.pip;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.testdata.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Groups from a real LDAP server (UnboundID in-memory) holding testdata's directory. */
class LdapGroupsProviderTest {
    static TestDirectory directory;
    static final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        directory = new TestDirectory();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        directory.close();
    }

    static LdapConfig config(String extra) throws Exception {
        return PdpConfig.parse("providers:\n  ldap: {url: '" + directory.url() + "', base_dn: 'ou=people,"
                + TestDirectory.BASE + "', bind_dn: '" + TestDirectory.READER_DN + "', bind_password: '"
                + TestDirectory.READER_PASSWORD + "', timeout_ms: 500" + extra + "}\n", "test").providers().ldap();
    }

    static ResilientLookup<SubjectGroups> lookup(LdapConfig config, MutableClock clock) {
        LdapGroupsProvider provider = new LdapGroupsProvider(config);
        open.add(provider);
        return new ResilientLookup<>("ldap", provider::fetch, config.resilience(), clock, new SimpleMeterRegistry());
    }

    static MutableClock clock() {
        return new MutableClock(Instant.parse("2026-03-12T10:00:00Z"));
    }

    @Test
    void groupsFromMemberOf() throws Exception {
        Lookup<SubjectGroups> r = lookup(config(""), clock()).get("alice").join();
        assertThat(r.status()).isEqualTo(LookupStatus.OK);
        assertThat(r.value().groups()).containsExactly("platform-admins", "staff");
        assertThat(r.value().found()).isTrue();
    }

    @Test
    void groupsFromAGroupSearchWithAMailFilter() throws Exception {
        LdapConfig c = config(", user_filter: '(mail={id})', groups_from: search, group_base_dn: 'ou=groups,"
                + TestDirectory.BASE + "'");
        Lookup<SubjectGroups> r = lookup(c, clock()).get("bob@corp.example.com").join();
        assertThat(r.status()).isEqualTo(LookupStatus.OK);
        assertThat(r.value().groups()).containsExactlyInAnyOrder("sre", "staff");
    }

    @Test
    void filterInjectionFromTheCertificateMatchesNobody() throws Exception {
        ResilientLookup<SubjectGroups> l = lookup(config(""), clock());
        for (String hostile : List.of("*)(uid=*", "*", "alice)(|(uid=*", "bob\u0000", "\\2a")) {
            Lookup<SubjectGroups> r = l.get(hostile).join();
            assertThat(r.status()).as(hostile).isEqualTo(LookupStatus.OK);
            assertThat(r.value().found()).as(hostile).isFalse();
            assertThat(r.value().groups()).as(hostile).isEmpty();
        }
    }

    @Test
    void anAmbiguousUserIsAnErrorNotAFact() throws Exception {
        Lookup<SubjectGroups> r = lookup(config(", user_filter: '(mail={id})'"), clock())
                .get("twin@corp.example.com").join();
        assertThat(r.status()).isEqualTo(LookupStatus.UNAVAILABLE);
        assertThat(r.value()).isNull();
        assertThat(r.error()).contains("matched 2 entries");
    }

    @Test
    void malformedEntriesAreRejectedWithAReason() throws Exception {
        Lookup<SubjectGroups> memberOf = lookup(config(""), clock()).get("malformed").join();
        assertThat(memberOf.status()).isEqualTo(LookupStatus.UNAVAILABLE);
        assertThat(memberOf.error()).contains("memberOf value 'platform-admins'").contains("not a valid DN");

        LdapConfig search = config(", groups_from: search, group_base_dn: 'ou=groups," + TestDirectory.BASE + "'");
        Lookup<SubjectGroups> group = lookup(search, clock()).get("malformed").join();
        assertThat(group.status()).isEqualTo(LookupStatus.UNAVAILABLE);
        assertThat(group.error()).contains("ou=nameless").contains("has no cn");
    }

    @Test
    void aWrongBindPasswordIsUnavailableWithTheDirectorysAnswer() throws Exception {
        LdapConfig c = PdpConfig.parse("providers:\n  ldap: {url: '" + directory.url() + "', base_dn: '"
                + TestDirectory.BASE + "', bind_dn: '" + TestDirectory.READER_DN + "', bind_password: wrong}\n",
                "test").providers().ldap();
        Lookup<SubjectGroups> r = lookup(c, clock()).get("alice").join();
        assertThat(r.status()).isEqualTo(LookupStatus.UNAVAILABLE);
        assertThat(r.error()).containsIgnoringCase("invalid credentials");
    }

    @Test
    void staleWhileTheDirectoryIsDownThenUnavailableThenRecovered() throws Exception {
        MutableClock clock = clock();
        LdapConfig c = config(", cache: {ttl_seconds: 60, max_stale_seconds: 120}, breaker: {minimum_calls: 50,"
                + " window_calls: 50}");
        ResilientLookup<SubjectGroups> l = lookup(c, clock);
        assertThat(l.get("carol").join().value().groups()).containsExactly("staff");
        directory.stop();
        try {
            clock.advance(Duration.ofSeconds(61));
            Lookup<SubjectGroups> stale = l.get("carol").join();
            assertThat(stale.status()).isEqualTo(LookupStatus.STALE);
            assertThat(stale.value().groups()).containsExactly("staff");
            assertThat(stale.error()).isNotBlank();

            clock.advance(Duration.ofSeconds(120));
            Lookup<SubjectGroups> gone = l.get("carol").join();
            assertThat(gone.status()).isEqualTo(LookupStatus.UNAVAILABLE);
            assertThat(gone.value()).isNull();
        } finally {
            directory.restart();
        }
        Lookup<SubjectGroups> back = l.get("carol").join();
        assertThat(back.status()).isEqualTo(LookupStatus.OK);
        assertThat(back.cached()).isFalse();
    }

    @Test
    void aCorruptedEntryIsNotServedFromTheDirectory() throws Exception {
        ResilientLookup<SubjectGroups> l = lookup(config(", cache: {ttl_seconds: 1}"), clock());
        String dn = "uid=billing-service,ou=people," + TestDirectory.BASE;
        directory.server.modify(dn, new Modification(ModificationType.ADD, "memberOf", "=,=garbage"));
        try {
            Lookup<SubjectGroups> r = l.get("billing-service").join();
            assertThat(r.status()).isEqualTo(LookupStatus.UNAVAILABLE);
            assertThat(r.error()).contains("not a valid DN");
        } finally {
            directory.server.modify(dn, new Modification(ModificationType.DELETE, "memberOf", "=,=garbage"));
        }
        assertThat(l.get("billing-service").join().value().groups()).containsExactly("partners-billing");
    }
}
