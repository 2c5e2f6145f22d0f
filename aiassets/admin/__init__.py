"""The aiassets admin: one module per screen (assets, upload, columns, views, verify, focal
point, generative models, API tokens). Importing the package registers them."""

from .assets import AssetAdmin, FormatFilter, VariantInline
from .generative_models import GenerativeModelAdmin
from .tokens import ApiTokenAdmin, ApiTokenForm
from .upload import AssetUploadForm, ProvenanceJSONField

__all__ = [
    "ApiTokenAdmin",
    "ApiTokenForm",
    "AssetAdmin",
    "AssetUploadForm",
    "FormatFilter",
    "GenerativeModelAdmin",
    "ProvenanceJSONField",
    "VariantInline",
]
