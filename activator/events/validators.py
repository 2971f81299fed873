"""Event uploads: documents are checked like project files; photos must be real images."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _
from PIL import Image

from activator.projects.validators import validate_project_file

PHOTO_EXTENSIONS = ["png", "jpg", "jpeg", "webp"]


def validate_document(file) -> None:
    """Programmes, presentations and minutes: the same kinds and limits as project files."""
    validate_project_file(file)


def validate_photo(file) -> None:
    """A PNG, JPEG or WebP image that Pillow can read, of at most LOGO_MAX_BYTES."""
    FileExtensionValidator(PHOTO_EXTENSIONS)(file)
    if file.size > settings.LOGO_MAX_BYTES:
        raise ValidationError(
            _("The photo is %(size)s MB; the limit is %(limit)s MB."),
            params={
                "size": round(file.size / 1_048_576, 1),
                "limit": settings.LOGO_MAX_BYTES // 1_048_576,
            },
            code="too_large",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image.verify()
    except Exception as error:
        raise ValidationError(
            _("This file is not a readable image."), code="bad_content"
        ) from error
    finally:
        file.seek(position)
