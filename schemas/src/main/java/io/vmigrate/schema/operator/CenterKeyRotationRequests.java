package io.vmigrate.schema.operator;

import io.vmigrate.schema.request.CenterKeyRotationRequested;

/** The body of an admin's signed request to roll the center's signing key, and the one subject (record key) it has. */
public final class CenterKeyRotationRequests {

    /** The record key and subject of every rotation request: there is one center. */
    public static final String SUBJECT = "center";

    private CenterKeyRotationRequests() {}

    public static CenterKeyRotationRequested body() {
        return CenterKeyRotationRequested.newBuilder().setSubject(SUBJECT).build();
    }
}
