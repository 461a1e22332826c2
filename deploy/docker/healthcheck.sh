#!/bin/bash
# The images' HEALTHCHECK, with nothing but bash (no curl in the runtime image): healthy when
# GET http://127.0.0.1:$CERTGATE_HEALTH_PORT/health answers 200. The PDP answers 200 only while a
# policy bundle is active; the gateway's admin port answers 200 once it serves.
port="${CERTGATE_HEALTH_PORT:?CERTGATE_HEALTH_PORT is not set}"
exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
read -r -t 5 _ status _ <&3 || exit 1
[ "${status}" = 200 ]
