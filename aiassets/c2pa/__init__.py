"""Content Credentials (C2PA), one module per concern:

- :mod:`.keys` — the signing credentials in force (configured key and chain, or the shared
  development chain); :mod:`.devchain` — development chains (derived from SECRET_KEY, or
  random files for ``make_dev_signer`` and tests);
- :mod:`.manifest` — reading incoming manifests → :class:`ManifestReport`;
- :mod:`.policy` — what a public variant may carry (the one home); :mod:`.marker` — signing
  variants with it (:class:`Marker`, :func:`recipe_token`);
- :mod:`.record` — the JWS-signed public provenance record;
- :mod:`.verify` — "is this file ours" (manifest and perceptual hash);
- :mod:`.checks` — system checks, registered by ``AiassetsConfig.ready()``.

Callers use ``from aiassets import c2pa`` and the names re-exported here.
"""

from .devchain import DEV_MARK, DevChain, make_dev_chain
from .keys import CLAIM_GENERATOR, Credentials, CredentialsError, credentials, signer_label
from .manifest import (
    ABSENT,
    INVALID,
    MAX_STORED_MANIFEST_BYTES,
    TRUSTED,
    VALID,
    ManifestReport,
    read,
)
from .marker import FAILED, SIGNED, UNSIGNED, Marker, SigningError, recipe_token
from .policy import (
    ASSERTION_LABEL,
    COMPOSITE,
    MANIFEST_VERSION,
    TRAINED,
    provenance_assertion,
    software_agent,
    source_type,
)
from .record import canonical_json, sign_record, verify_record
from .verify import (
    EXIT_BAD_INPUT,
    EXIT_CODES,
    INVALID_MANIFEST,
    OURS,
    SIMILAR,
    TAMPERED,
    UNKNOWN,
    Match,
    Verification,
    VerifyError,
    nearest_assets,
    verify,
)

__all__ = [
    "ABSENT",
    "ASSERTION_LABEL",
    "CLAIM_GENERATOR",
    "COMPOSITE",
    "DEV_MARK",
    "EXIT_BAD_INPUT",
    "EXIT_CODES",
    "FAILED",
    "INVALID",
    "INVALID_MANIFEST",
    "MANIFEST_VERSION",
    "MAX_STORED_MANIFEST_BYTES",
    "OURS",
    "SIGNED",
    "SIMILAR",
    "TAMPERED",
    "TRAINED",
    "TRUSTED",
    "UNKNOWN",
    "UNSIGNED",
    "VALID",
    "Credentials",
    "CredentialsError",
    "DevChain",
    "ManifestReport",
    "Marker",
    "Match",
    "SigningError",
    "Verification",
    "VerifyError",
    "canonical_json",
    "credentials",
    "make_dev_chain",
    "nearest_assets",
    "provenance_assertion",
    "read",
    "recipe_token",
    "sign_record",
    "signer_label",
    "software_agent",
    "source_type",
    "verify",
    "verify_record",
]
