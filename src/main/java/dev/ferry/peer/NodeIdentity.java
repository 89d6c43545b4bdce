package dev.ferry.peer;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * This node's key pair and self-signed certificate, whose hash is its {@link PeerId}. Immutable and
 * thread-safe once loaded.
 *
 * <p>Kept in {@code <dataDir>/identity/} as PEM: {@code key.pem} (PKCS#8) and {@code cert.pem}, the
 * directory owner-only (700) and the files owner-only (600) on POSIX file systems. The key is ECDSA
 * P-256 made by the JDK (its TLS stack handles it everywhere; BouncyCastle-minted Ed25519 keys fail in
 * it); the certificate is X.509 v3, {@code CN=ferry}, random serial, valid from a day ago for 20 years,
 * key usage digitalSignature, extended key usage serverAuth and clientAuth. Peers never check the name
 * or an issuer: they pin the certificate's hash.
 *
 * <p>Each file is written crash-safely (temp file, fsync, atomic rename, fsync of the directory), key
 * first. Losing the identity changes the node's id, so a directory holding one file without the other
 * is never repaired silently: loading fails and names the missing file.
 */
public final class NodeIdentity {
    static final String DIRECTORY = "identity";
    static final String KEY_FILE = "key.pem";
    static final String CERT_FILE = "cert.pem";
    private static final Duration BACKDATE = Duration.ofDays(1);
    private static final int VALID_YEARS = 20;

    private final PrivateKey privateKey;
    private final X509Certificate certificate;
    private final PeerId peerId;

    private NodeIdentity(PrivateKey privateKey, X509Certificate certificate) {
        this.privateKey = privateKey;
        this.certificate = certificate;
        this.peerId = PeerId.fromCertificate(certificate);
    }

    /**
     * Loads the identity from {@code <dataDir>/identity/}, creating it when neither file exists. Throws
     * when only one of the two files exists, when a file cannot be parsed, or when the key does not
     * belong to the certificate, naming the file.
     */
    public static NodeIdentity loadOrCreate(Path dataDir) throws IOException {
        Path dir = dataDir.resolve(DIRECTORY);
        Path keyFile = dir.resolve(KEY_FILE);
        Path certFile = dir.resolve(CERT_FILE);
        boolean hasKey = Files.exists(keyFile);
        boolean hasCert = Files.exists(certFile);
        if (hasKey && hasCert) {
            return load(keyFile, certFile);
        }
        if (hasKey || hasCert) {
            Path missing = hasKey ? certFile : keyFile;
            Path present = hasKey ? keyFile : certFile;
            throw new IOException("node identity is incomplete: " + present + " exists but " + missing + " does not;"
                    + " restore it from a backup, or, to give this node a new id that peers must accept again,"
                    + " delete " + present);
        }
        return create(dir, keyFile, certFile);
    }

    public PeerId peerId() {
        return peerId;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    private static NodeIdentity create(Path dir, Path keyFile, Path certFile) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            X509Certificate certificate = selfSign(pair, Instant.now());
            createPrivateDirectory(dir);
            writeAtomically(keyFile, pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
            writeAtomically(certFile, pem(certificate));
            return new NodeIdentity(pair.getPrivate(), certificate);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot create a node identity in " + dir + ": " + e.getMessage(), e);
        }
    }

    static X509Certificate selfSign(KeyPair pair, Instant now) throws GeneralSecurityException, OperatorCreationException,
            IOException {
        X500Name name = new X500Name("CN=ferry");
        BigInteger serial = new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
        Date notBefore = Date.from(now.minus(BACKDATE));
        Date notAfter = Date.from(now.atZone(ZoneOffset.UTC).plusYears(VALID_YEARS).toInstant());
        JcaX509v3CertificateBuilder builder =
                new JcaX509v3CertificateBuilder(name, serial, notBefore, notAfter, name, pair.getPublic());
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        X509CertificateHolder holder =
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    private static NodeIdentity load(Path keyFile, Path certFile) throws IOException {
        PrivateKey key;
        try {
            key = new JcaPEMKeyConverter().getPrivateKey(readPem(keyFile, PrivateKeyInfo.class, "PRIVATE KEY"));
        } catch (PEMException e) {
            throw new IOException(keyFile + " holds no usable private key: " + e.getMessage(), e);
        }
        X509Certificate certificate;
        try {
            certificate = new JcaX509CertificateConverter().getCertificate(
                    readPem(certFile, X509CertificateHolder.class, "CERTIFICATE"));
        } catch (GeneralSecurityException e) {
            throw new IOException(certFile + " holds no usable certificate: " + e.getMessage(), e);
        }
        if (!"EC".equals(key.getAlgorithm())) {
            throw new IOException(keyFile + " holds a " + key.getAlgorithm() + " key; a node identity is ECDSA P-256");
        }
        if (!belongTogether(key, certificate)) {
            throw new IOException(keyFile + " is not the key of " + certFile + "; restore the matching pair");
        }
        return new NodeIdentity(key, certificate);
    }

    /** The first PEM object in {@code file}, which must be a {@code type} ({@code label} names it for people). */
    private static <T> T readPem(Path file, Class<T> type, String label) throws IOException {
        Object object;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(in)) {
            object = parser.readObject();
        } catch (IOException | RuntimeException e) { // BouncyCastle reports bad base64 with a runtime exception
            throw new IOException(file + " is not readable PEM: " + e.getMessage(), e);
        }
        if (!type.isInstance(object)) {
            throw new IOException(file + " holds no " + label + " (expected -----BEGIN " + label + "-----)");
        }
        return type.cast(object);
    }

    /** Signs a random challenge with the key and verifies it with the certificate. */
    private static boolean belongTogether(PrivateKey key, X509Certificate certificate) throws IOException {
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    private static void createPrivateDirectory(Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        if (posix()) {
            try {
                Files.createDirectory(dir, owner("rwx------"));
            } catch (FileAlreadyExistsException e) {
                // An empty directory from an earlier attempt: tighten it below.
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } else {
            Files.createDirectories(dir);
        }
    }

    private static void writeAtomically(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (posix()) {
            Files.createFile(tmp, owner("rw-------"));
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        }
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(file.getParent()); // the key's rename is durable before the certificate's begins
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory; the renames are then as durable as they can be made.
        }
    }

    private static FileAttribute<Set<PosixFilePermission>> owner(String permissions) {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions));
    }
}
