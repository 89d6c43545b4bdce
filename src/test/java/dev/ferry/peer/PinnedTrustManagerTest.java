package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The certificate rules, without sockets; {@link PeerTlsTest} checks them over real TLS. */
class PinnedTrustManagerTest {
    private static final InetSocketAddress ADDRESS = new InetSocketAddress("127.0.0.1", 4000);
    private static final Clock NOW = Clock.systemUTC();
    private static NodeIdentity alice;
    private static NodeIdentity bob;

    @BeforeAll
    static void identities(@TempDir Path dir) throws Exception {
        alice = NodeIdentity.loadOrCreate(dir.resolve("alice"));
        bob = NodeIdentity.loadOrCreate(dir.resolve("bob"));
    }

    private static X509Certificate[] chain(X509Certificate... certificates) {
        return certificates;
    }

    private static String refusal(PinnedTrustManager manager, X509Certificate[] chain) {
        return assertThrows(CertificateException.class, () -> manager.checkServerTrusted(chain, "UNKNOWN", (Socket) null))
                .getMessage();
    }

    @Test
    void expectedIdIsAccepted() {
        var manager = PinnedTrustManager.outgoing(ADDRESS, alice.peerId(), NOW);
        assertDoesNotThrow(() -> manager.checkServerTrusted(chain(alice.certificate()), "UNKNOWN", (Socket) null));
    }

    @Test
    void unexpectedIdIsRefusedNamingAddressAndBothIds() {
        String message = refusal(PinnedTrustManager.outgoing(ADDRESS, alice.peerId(), NOW), chain(bob.certificate()));
        assertEquals("peer at 127.0.0.1:4000 presented id " + bob.peerId() + " but " + alice.peerId() + " was expected", message);
    }

    @Test
    void withoutAnExpectedIdAnyWellFormedPeerIsAccepted() {
        var manager = PinnedTrustManager.outgoing(ADDRESS, null, NOW);
        assertDoesNotThrow(() -> manager.checkServerTrusted(chain(bob.certificate()), "UNKNOWN", (Socket) null));
    }

    @Test
    void chainOfMoreThanOneCertificateIsRefused() {
        String message = refusal(PinnedTrustManager.outgoing(ADDRESS, null, NOW),
                chain(alice.certificate(), bob.certificate()));
        assertTrue(message.contains("chain of 2 certificates"), message);
    }

    @Test
    void emptyChainIsRefused() {
        String message = refusal(PinnedTrustManager.outgoing(ADDRESS, alice.peerId(), NOW), chain());
        assertTrue(message.contains("no certificate") && message.contains(alice.peerId().toString()), message);
    }

    @Test
    void rsaKeyIsRefused() throws Exception {
        var rsa = TestCertificates.selfSigned("RSA", "2048");
        String message = refusal(PinnedTrustManager.outgoing(ADDRESS, null, NOW), chain(rsa.certificate()));
        assertTrue(message.contains("has a RSA key; a Ferry peer has an EC P-256 key"), message);
        assertTrue(message.contains(PeerId.fromCertificate(rsa.certificate()).toString()), message);
    }

    @Test
    void otherCurveIsRefused() throws Exception {
        var p384 = TestCertificates.selfSigned("EC", "secp384r1");
        String message = refusal(PinnedTrustManager.outgoing(ADDRESS, null, NOW), chain(p384.certificate()));
        assertTrue(message.contains("EC 384-bit (not P-256)"), message);
    }

    @Test
    void certificateNotSignedByItsOwnKeyIsRefused() throws Exception {
        KeyPair subject = TestCertificates.keys("EC", "secp256r1");
        KeyPair signer = TestCertificates.keys("EC", "secp256r1");
        var forged = TestCertificates.certificate(subject, signer, Instant.now().minus(Duration.ofDays(1)), Duration.ofDays(30));
        String message = refusal(PinnedTrustManager.outgoing(ADDRESS, null, NOW), chain(forged));
        assertTrue(message.contains("not signed by its own key"), message);
    }

    @Test
    void expiredCertificateIsRefused() {
        Clock later = Clock.fixed(Instant.now().atZone(ZoneOffset.UTC).plusYears(21).toInstant(), ZoneOffset.UTC);
        String message = refusal(PinnedTrustManager.outgoing(ADDRESS, alice.peerId(), later), chain(alice.certificate()));
        assertTrue(message.contains("expired"), message);
    }

    @Test
    void certificateFromTheFutureIsRefused() {
        Clock earlier = Clock.fixed(Instant.now().minus(Duration.ofDays(2)), ZoneOffset.UTC);
        String message = refusal(PinnedTrustManager.outgoing(ADDRESS, alice.peerId(), earlier), chain(alice.certificate()));
        assertTrue(message.contains("valid only from"), message);
    }

    @Test
    void incomingPeerIsJudgedByTheNodesTrust() throws Exception {
        Map<Socket, PeerId> accepted = new HashMap<>();
        var manager = PinnedTrustManager.incoming(alice.peerId()::equals, accepted, NOW);
        try (Socket socket = new Socket()) {
            manager.checkClientTrusted(chain(alice.certificate()), "UNKNOWN", socket);
            assertEquals(alice.peerId(), accepted.get(socket));
        }
        String message = assertThrows(CertificateException.class,
                () -> manager.checkClientTrusted(chain(bob.certificate()), "UNKNOWN", (Socket) null)).getMessage();
        assertTrue(message.contains(bob.peerId() + ", which this node does not trust"), message);
    }

    @Test
    void aManagerServesOnlyItsDirection() {
        var outgoing = PinnedTrustManager.outgoing(ADDRESS, null, NOW);
        var incoming = PinnedTrustManager.incoming(id -> true, new HashMap<>(), NOW);
        assertThrows(CertificateException.class, () -> outgoing.checkClientTrusted(chain(alice.certificate()), "UNKNOWN"));
        assertThrows(CertificateException.class, () -> incoming.checkServerTrusted(chain(alice.certificate()), "UNKNOWN"));
    }
}
