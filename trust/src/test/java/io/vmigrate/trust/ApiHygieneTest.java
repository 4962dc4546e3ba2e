package io.vmigrate.trust;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmigrate.trust.internal.BouncyCastle;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.security.Provider;
import java.security.Security;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;

class ApiHygieneTest {
    private static final List<Class<?>> PUBLIC_API = List.of(Suite.class, KeyPurpose.class, KeyId.class, Context.class,
            SecretBytes.class, SecretKeyAccess.class, PublicKeyHandle.class, PrivateKeyHandle.class, Signer.class, Verifier.class,
            SignatureBlob.class, KeyWrapper.class, KeyUnwrapper.class, WrappedKey.class, Aead.class, AeadCiphertext.class,
            Digest.class, CryptoSuite.class, CryptoSuites.class, SealedKeyStore.class, TrustException.class,
            SignatureRefusedException.class, UnwrapRefusedException.class, DecryptionRefusedException.class,
            MalformedBlobException.class, SealedKeyStoreException.class, WrongPasswordException.class,
            io.vmigrate.trust.tls.BusCertificateAuthority.class, io.vmigrate.trust.tls.TlsMaterialException.class,
            io.vmigrate.trust.tls.WrongKeystorePasswordException.class);

    @Test
    void noBouncyCastleTypeInAnyPublicSignature() {
        List<String> leaks = new ArrayList<>();
        for (Class<?> type : PUBLIC_API) {
            for (Method method : type.getDeclaredMethods()) {
                if (Modifier.isPublic(method.getModifiers())) {
                    check(type.getSimpleName() + "." + method.getName(), method.getGenericReturnType(), leaks);
                    for (Type parameter : method.getGenericParameterTypes()) {
                        check(type.getSimpleName() + "." + method.getName(), parameter, leaks);
                    }
                }
            }
            for (Constructor<?> constructor : type.getDeclaredConstructors()) {
                if (Modifier.isPublic(constructor.getModifiers())) {
                    for (Type parameter : constructor.getGenericParameterTypes()) {
                        check(type.getSimpleName() + ".<init>", parameter, leaks);
                    }
                }
            }
        }
        assertThat(leaks).isEmpty();
    }

    private static void check(String where, Type type, List<String> leaks) {
        if (type.getTypeName().contains("org.bouncycastle")) {
            leaks.add(where + ": " + type.getTypeName());
        }
    }

    @Test
    void bouncyCastleIsAppendedOnceAndJdkKeepsAesGcm() throws Exception {
        Provider bc = BouncyCastle.provider();
        Provider[] providers = Security.getProviders();
        assertThat(providers[0]).isNotSameAs(bc);
        assertThat(providers).filteredOn(p -> p.getName().equals("BC")).hasSize(1);
        assertThat(Cipher.getInstance("AES/GCM/NoPadding").getProvider().getName()).isEqualTo("SunJCE");
        assertThat(BouncyCastle.provider()).isSameAs(bc);
    }

    @Test
    void signersAndVerifiersAreSafeToShareBetweenThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (Suite suite : Suite.values()) {
                CryptoSuite crypto = CryptoSuites.get(suite);
                Signer signer = crypto.signer(TestKeys.signingKey(suite));
                Verifier verifier = crypto.verifier(TestKeys.signingKey(suite).publicKey());
                List<Future<?>> results = new ArrayList<>();
                for (int task = 0; task < 8; task++) {
                    byte[] message = {(byte) task};
                    results.add(pool.submit(() -> {
                        for (int i = 0; i < 25; i++) {
                            verifier.verify(signer.sign(message, TestKeys.CONTEXT), message, TestKeys.CONTEXT);
                        }
                        return null;
                    }));
                }
                for (Future<?> result : results) {
                    result.get(60, TimeUnit.SECONDS);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
