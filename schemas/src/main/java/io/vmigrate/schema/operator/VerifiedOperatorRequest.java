package io.vmigrate.schema.operator;

import io.vmigrate.schema.request.OperatorRequest;
import io.vmigrate.schema.request.OperatorRequestType;
import org.apache.avro.specific.SpecificRecord;

/**
 * An operator request whose signature, signer and validity window have been checked, with its
 * decoded body and the identity that signed it. Whether that identity may ask for it is the
 * receiver's decision ({@link OperatorRole#mayRequest}).
 */
public record VerifiedOperatorRequest(OperatorRequest request, KnownOperator operator, SpecificRecord body) {

    public OperatorRequestType type() {
        return request.getRequestType();
    }

    public String requestId() {
        return request.getRequestId();
    }

    public boolean authorized() {
        return operator.role().mayRequest(request.getRequestType());
    }

    public <T extends SpecificRecord> T body(Class<T> type) {
        if (!type.isInstance(body)) {
            throw new IllegalStateException("request " + request.getRequestId() + " carries "
                    + request.getRequestType() + ", not " + type.getSimpleName());
        }
        return type.cast(body);
    }
}
