package io.vmigrate.center;

import io.vmigrate.schema.operator.KnownOperator;
import io.vmigrate.schema.operator.OperatorRequestSealer;
import io.vmigrate.schema.operator.OperatorRole;
import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.trust.CryptoSuite;
import io.vmigrate.trust.CryptoSuites;
import io.vmigrate.trust.PrivateKeyHandle;
import io.vmigrate.trust.Suite;
import java.time.Clock;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;

/** An operator key of a test: its public identity for the center's operators file, and its signing side. */
final class TestOperator {

    private final KnownOperator known;
    private final OperatorRequestSealer sealer;

    TestOperator(Suite suite, String name, OperatorRole role, Clock clock) {
        CryptoSuite crypto = CryptoSuites.get(suite);
        PrivateKeyHandle key = crypto.generateSigningKey();
        this.known = new KnownOperator(name, role, key.publicKey());
        this.sealer = new OperatorRequestSealer(crypto.signer(key), clock, Duration.ofMinutes(5));
    }

    KnownOperator known() {
        return known;
    }

    OperatorRequest sign(SpecificRecord body) {
        return sealer.seal(body);
    }
}
