"""Uploads are checked by name, size and first bytes, so a renamed program is refused."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

# Extension: the bytes such a file starts with (ZIP for the Office formats).
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "csv": (),
    "txt": (),
}
TEXT_EXTENSIONS = {"csv", "txt"}


def validate_project_file(file) -> None:
    FileExtensionValidator(list(SIGNATURES))(file)
    if file.size > settings.PROJECT_FILE_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB."),
            params={
                "size": round(file.size / 1_048_576, 1),
                "limit": settings.PROJECT_FILE_MAX_BYTES // 1_048_576,
            },
            code="too_large",
        )
    extension = file.name.rsplit(".", 1)[-1].lower()
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(2048)
    file.seek(position)
    if isinstance(head, str):
        head = head.encode()
    if extension in TEXT_EXTENSIONS:
        if b"\x00" in head:
            raise ValidationError(_("This is not a text file."), code="bad_content")
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # a character cut at the end of the sample is fine
                raise ValidationError(_("Text files must be UTF-8."), code="bad_content") from error
        return
    if not head.startswith(SIGNATURES[extension]):
        raise ValidationError(
            _("The file's content does not match its .%(extension)s name."),
            params={"extension": extension},
            code="bad_content",
        )
