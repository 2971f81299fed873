from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

LOGO_EXTENSIONS = ["png", "jpg", "jpeg", "webp"]


def validate_logo(file) -> None:
    """A logo is a PNG, JPEG or WebP image of at most LOGO_MAX_BYTES."""
    FileExtensionValidator(LOGO_EXTENSIONS)(file)
    if file.size > settings.LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is %(size)s MB; the limit is %(limit)s MB."),
            params={
                "size": round(file.size / 1_048_576, 1),
                "limit": settings.LOGO_MAX_BYTES // 1_048_576,
            },
        )
