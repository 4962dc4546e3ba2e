package io.vmigrate.benchmarks;

import io.vmigrate.trust.Aead;
import io.vmigrate.trust.AeadCiphertext;
import io.vmigrate.trust.Context;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.Digest;
import io.vmigrate.trust.KeyUnwrapper;
import io.vmigrate.trust.KeyWrapper;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.SecretBytes;
import io.vmigrate.trust.SecretKeyAccess;
import io.vmigrate.trust.SignatureBlob;
import io.vmigrate.trust.SignatureRefusedException;
import io.vmigrate.trust.Signer;
import io.vmigrate.trust.Suite;
import io.vmigrate.trust.UnwrapRefusedException;
import io.vmigrate.trust.Verifier;
import io.vmigrate.trust.WrappedKey;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The crypto-bound yardstick: one thread, each trust primitive a migration uses, per suite.
 * Average time is reported in s/op (JMH uses one unit per benchmark); BenchmarksReport converts it.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.SECONDS)
public class TrustBenchmark {
    @Param({"GM", "INTL"})
    public String suite;

    private CryptoSuite crypto;
    private Signer signer;
    private Verifier verifier;
    private KeyWrapper wrapper;
    private KeyUnwrapper unwrapper;
    private Aead aead;
    private Digest digest;
    private Context context;
    private byte[] message256;
    private byte[] data1KiB;
    private byte[] associatedData;
    private SignatureBlob signature;
    private SecretBytes vmKeyPkcs8;
    private WrappedKey wrapped;

    @Setup
    public void setUp() {
        crypto = CryptoSuites.get(Suite.parse(suite));
        PrivateKeyHandle signingKey = crypto.generateSigningKey();
        PrivateKeyHandle encapsulationKey = crypto.generateEncapsulationKey();
        signer = crypto.signer(signingKey);
        verifier = crypto.verifier(signingKey.publicKey());
        wrapper = crypto.keyWrapper(encapsulationKey.publicKey());
        unwrapper = crypto.keyUnwrapper(encapsulationKey);
        aead = crypto.aead(crypto.generateAeadKey());
        digest = crypto.digest();
        context = Context.of("migration-0001", "vm-0001", "host-0001", "deliver-vm-key");
        Random random = new Random(42);
        message256 = new byte[256];
        random.nextBytes(message256);
        data1KiB = new byte[1024];
        random.nextBytes(data1KiB);
        associatedData = context.encode();
        signature = signer.sign(message256, context);
        vmKeyPkcs8 = crypto.generateSigningKey().exportPkcs8(SecretKeyAccess.insecureSecretAccess());
        wrapped = wrapper.wrap(vmKeyPkcs8, context);
    }

    @Benchmark
    public PrivateKeyHandle generateSigningKey() {
        return crypto.generateSigningKey();
    }

    @Benchmark
    public PrivateKeyHandle generateEncapsulationKey() {
        return crypto.generateEncapsulationKey();
    }

    @Benchmark
    public SignatureBlob sign() {
        return signer.sign(message256, context);
    }

    @Benchmark
    public SignatureBlob verify() throws SignatureRefusedException {
        verifier.verify(signature, message256, context);
        return signature;
    }

    @Benchmark
    public WrappedKey wrap() {
        return wrapper.wrap(vmKeyPkcs8, context);
    }

    @Benchmark
    public SecretBytes unwrap() throws UnwrapRefusedException {
        return unwrapper.unwrap(wrapped, context);
    }

    @Benchmark
    public byte[] digest1KiB() {
        return digest.digest(data1KiB);
    }

    @Benchmark
    public AeadCiphertext aeadEncrypt1KiB() {
        return aead.encrypt(data1KiB, associatedData);
    }
}
