package io.vmigrate.center.status;

import java.util.Objects;

/** An HTTP answer of the status API: a status code and the JSON body, already encoded. */
public record StatusAnswer(int status, byte[] json) {

    public StatusAnswer {
        Objects.requireNonNull(json, "json");
    }
}
