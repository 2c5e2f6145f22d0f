#
# aiassets: an example Varnish 7 configuration for the image CDN in front of the Django origin.
#
# Needs Debian's `varnish` and `varnish-modules` (the xkey vmod). Run for example:
#   varnishd -a :6081 -f /etc/varnish/aiassets.vcl -s malloc,1g
# and configure Django with
#   DELIVERY_PUBLIC_BASE_URL=https://img.example.com   (the public name of this cache)
#   CDN_BACKEND=http-purge  CDN_PURGE_URL=http://varnish-host:6081   (one or more, comma-separated)
#
# What it does:
# * Caches only GET/HEAD of /media/v/ (variant bytes) and passes everything else to Django.
#   Cookies are dropped on those URLs: the origin never varies variant bytes by session.
# * Honours the origin's Cache-Control: public variants are `public, max-age=31536000,
#   immutable`; signed ones are `private` and never stored. Errors without a Cache-Control
#   (404 for unapproved or superseded URLs) are kept only NEGATIVE_TTL (10 s).
# * Indexes every object under the origin's `xkey: asset-<id>` header (xkey vmod), so an
#   asset's every width and format can be dropped by one surrogate-key purge.
# * Purges, restricted to the `purgers` ACL:
#     PURGE <path> with the Host the object was stored under   -> that one URL (return (purge))
#     PURGE / with header `xkey-purge: asset-<id> [more keys]`   -> every object with those keys
#     BAN / with header `X-Ban-Url: <regex>` (and the Host)      -> objects whose URL matches
#   delivery.cdn.http_purge.HttpPurgeBackend sends the first two whenever an asset leaves
#   public view; BAN is for operators (e.g. `X-Ban-Url: ^/media/v/<asset-id>/`).
# * Adds `X-Cache: HIT | MISS | PASS` to responses, and hides the internal headers.
#
# The test suite starts varnishd with this very file, changing only the backend's .host and
# .port (tests/delivery/conftest.py): keep those two lines in the `backend django` block.
#

vcl 4.1;

import xkey;

# The Django origin (gunicorn/uwsgi serving config.wsgi).
backend django {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

# Who may purge and ban: the hosts running the purge RQ worker (and operators).
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            set req.http.n-gone = xkey.purge(req.http.xkey-purge);
            return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
        }
        return (purge);
    }
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.X-Ban-Url) {
            return (synth(400, "BAN needs an X-Ban-Url header"));
        }
        # Only obj.* in the expression, so the ban lurker can work through it.
        ban("obj.http.x-host == " + req.http.host + " && obj.http.x-url ~ " + req.http.X-Ban-Url);
        return (synth(200, "Ban added"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url !~ "^/media/v/") {
        return (pass);
    }
    unset req.http.Cookie;
    # Fall through to the built-in vcl_recv (which still passes on Authorization).
}

sub vcl_backend_response {
    # For BAN: the lurker can only test object headers.
    set beresp.http.x-url = bereq.url;
    set beresp.http.x-host = bereq.http.host;
    if (beresp.status >= 400 && !beresp.http.Cache-Control) {
        # Negative caching, briefly: a URL that is dead now may become live (a variant built
        # after its first request) and a dead one costs the origin one cheap 404 per 10 s.
        set beresp.ttl = 10s;
        set beresp.grace = 0s;
    }
    # Everything else keeps the TTL Varnish derived from Cache-Control / Expires, and the
    # built-in vcl_backend_response refuses to store `private`, `no-store` and Set-Cookie.
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } elsif (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.x-url;
    unset resp.http.x-host;
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
}
