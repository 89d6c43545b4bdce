package dev.ferry.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdentityTest {
    @TempDir
    Path dataDir;

    private Path identityDir() {
        return dataDir.resolve("identity");
    }

    @Test
    void identityIsCreatedOnceAndStableAcrossReloads() throws IOException {
        NodeIdentity created = NodeIdentity.loadOrCreate(dataDir);
        NodeIdentity reloaded = NodeIdentity.loadOrCreate(dataDir);
        assertEquals(created.peerId(), reloaded.peerId());
        assertEquals(created.certificate(), reloaded.certificate());
        assertArrayEquals(created.privateKey().getEncoded(), reloaded.privateKey().getEncoded());
        try (var files = Files.list(identityDir())) {
            assertEquals(List.of("cert.pem", "key.pem"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void identityFilesAreOwnerOnly() throws IOException {
        NodeIdentity.loadOrCreate(dataDir);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(identityDir())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(identityDir().resolve("key.pem"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(identityDir().resolve("cert.pem"))));
    }

    @Test
    void filesArePemWithAPkcs8Key() throws IOException {
        NodeIdentity.loadOrCreate(dataDir);
        String key = Files.readString(identityDir().resolve("key.pem"), StandardCharsets.US_ASCII);
        String cert = Files.readString(identityDir().resolve("cert.pem"), StandardCharsets.US_ASCII);
        assertTrue(key.startsWith("-----BEGIN PRIVATE KEY-----"), key);
        assertTrue(cert.startsWith("-----BEGIN CERTIFICATE-----"), cert);
    }

    @Test
    void peerIdIsTheIdOfTheCertificate() throws IOException {
        NodeIdentity identity = NodeIdentity.loadOrCreate(dataDir);
        assertEquals(PeerId.fromCertificate(identity.certificate()), identity.peerId());
    }

    @Test
    void certificateIsSelfSignedP256ForTwentyYears() throws Exception {
        var certificate = NodeIdentity.loadOrCreate(dataDir).certificate();
        assertEquals(3, certificate.getVersion());
        assertEquals("CN=ferry", certificate.getSubjectX500Principal().getName());
        assertEquals(certificate.getSubjectX500Principal(), certificate.getIssuerX500Principal());
        assertEquals("SHA256withECDSA", certificate.getSigAlgName());
        certificate.verify(certificate.getPublicKey());
        assertEquals(256, ((ECPublicKey) certificate.getPublicKey()).getParams().getOrder().bitLength());
        Instant now = Instant.now();
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        assertTrue(Duration.between(notBefore, now.minus(Duration.ofDays(1))).abs().toMinutes() < 5, notBefore.toString());
        assertEquals(now.atZone(ZoneOffset.UTC).getYear() + 20, notAfter.atZone(ZoneOffset.UTC).getYear());
        assertTrue(certificate.getSerialNumber().signum() > 0);
        boolean[] keyUsage = certificate.getKeyUsage();
        assertTrue(keyUsage[0], "digitalSignature");
        for (int i = 1; i < keyUsage.length; i++) {
            assertTrue(!keyUsage[i], "only digitalSignature, but bit " + i + " is set");
        }
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), certificate.getExtendedKeyUsage());
    }

    @Test
    void twoNodesGetDifferentIds() throws IOException {
        assertTrue(!NodeIdentity.loadOrCreate(dataDir.resolve("a")).peerId()
                .equals(NodeIdentity.loadOrCreate(dataDir.resolve("b")).peerId()));
    }

    @Test
    void keyWithoutCertificateFailsNamingTheMissingFile() throws IOException {
        NodeIdentity.loadOrCreate(dataDir);
        Files.delete(identityDir().resolve("cert.pem"));
        IOException e = assertThrows(IOException.class, () -> NodeIdentity.loadOrCreate(dataDir));
        assertTrue(e.getMessage().contains(identityDir().resolve("cert.pem").toString()), e.getMessage());
        assertTrue(Files.exists(identityDir().resolve("key.pem")), "the key is never deleted or replaced");
    }

    @Test
    void certificateWithoutKeyFailsNamingTheMissingFile() throws IOException {
        NodeIdentity.loadOrCreate(dataDir);
        Files.delete(identityDir().resolve("key.pem"));
        IOException e = assertThrows(IOException.class, () -> NodeIdentity.loadOrCreate(dataDir));
        assertTrue(e.getMessage().contains(identityDir().resolve("key.pem").toString()), e.getMessage());
    }

    @Test
    void keyOfAnotherNodeIsRefused() throws IOException {
        NodeIdentity.loadOrCreate(dataDir);
        Path other = dataDir.resolve("other");
        NodeIdentity.loadOrCreate(other);
        Files.copy(other.resolve("identity/key.pem"), identityDir().resolve("key.pem"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        IOException e = assertThrows(IOException.class, () -> NodeIdentity.loadOrCreate(dataDir));
        assertTrue(e.getMessage().contains("is not the key of"), e.getMessage());
    }

    @Test
    void garbledCertificateFailsNamingTheFile() throws IOException {
        NodeIdentity.loadOrCreate(dataDir);
        Path cert = identityDir().resolve("cert.pem");
        Files.writeString(cert, "not a certificate\n");
        IOException e = assertThrows(IOException.class, () -> NodeIdentity.loadOrCreate(dataDir));
        assertTrue(e.getMessage().contains(cert.toString()), e.getMessage());
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB!!!\n-----END CERTIFICATE-----\n");
        IOException broken = assertThrows(IOException.class, () -> NodeIdentity.loadOrCreate(dataDir));
        assertTrue(broken.getMessage().contains(cert.toString()), broken.getMessage());
    }

    @Test
    void leftoverTempFilesFromACrashedFirstStartAreReplaced() throws IOException {
        Files.createDirectories(identityDir());
        Files.writeString(identityDir().resolve("key.pem.tmp"), "half a key");
        NodeIdentity created = NodeIdentity.loadOrCreate(dataDir);
        assertEquals(created.peerId(), NodeIdentity.loadOrCreate(dataDir).peerId());
        assertTrue(Files.notExists(identityDir().resolve("key.pem.tmp")));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(identityDir())));
    }
}
