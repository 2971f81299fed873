"""Staff bulk import and export of organisations (CSV and Excel)."""

import datetime
import re
import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activator.core.models import Region
from activator.core.permissions import authorize
from activator.members import importing, selectors
from activator.members.enums import OrganisationType
from activator.members.resources import EXPORT_ONLY_COLUMNS

UPLOAD_DIR = "imports"
UPLOAD_MAX_AGE = 60 * 60  # seconds a checked file waits for confirmation
UPLOAD_NAME = re.compile(r"^imports/[0-9a-f]{32}\.(csv|xlsx)$")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File to import"),
        help_text=gettext_lazy("A .csv (UTF-8) or .xlsx file, with the column names in row 1."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if _file_format(upload.name) not in importing.FILE_FORMATS:
            raise ValidationError(_("Upload a .csv or .xlsx file."), code="format")
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is too large: at most %(size)s may be imported at once."),
                code="too_large",
                params={"size": filesizeformat(settings.IMPORT_MAX_BYTES)},
            )
        return upload


def _file_format(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


class ImportConfirmForm(forms.Form):
    upload = forms.CharField(widget=forms.HiddenInput)


def _signer(request: HttpRequest) -> signing.TimestampSigner:
    # Bound to the person who checked the file: only they can confirm it.
    return signing.TimestampSigner(salt=f"activator.members.import:{request.user.pk}")


def _discard_stale_uploads() -> None:
    """Remove checked files nobody confirmed (they are of no use once their link expires)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=UPLOAD_MAX_AGE * 2)
    try:
        _dirs, files = default_storage.listdir(UPLOAD_DIR)
        for name in files:
            path = f"{UPLOAD_DIR}/{name}"
            if UPLOAD_NAME.match(path) and default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
    except (FileNotFoundError, NotImplementedError):
        pass


def _columns_context() -> dict:
    return {
        "types": OrganisationType.choices,
        "regions": Region.objects.all(),
        "export_only_columns": EXPORT_ONLY_COLUMNS,
        "max_size": settings.IMPORT_MAX_BYTES,
    }


@login_required
@require_GET
def export(request: HttpRequest, file_format: str) -> HttpResponse:
    """The directory's organisations, filtered exactly as the directory is, as a file."""
    authorize(request.user, "members.export_organisations")
    if file_format not in importing.FILE_FORMATS:
        raise Http404
    filterset = selectors.organisation_directory(request.GET)
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    content = importing.organisations_export(queryset=queryset, file_format=file_format)
    response = HttpResponse(content, content_type=importing.CONTENT_TYPES[file_format])
    filename = f"organisations-{timezone.localdate():%Y-%m-%d}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a file; it is checked row by row and the result shown before anything is saved."""
    authorize(request.user, "members.import_organisations")
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        file_format = _file_format(upload.name)
        file_bytes = upload.read()
        try:
            preview = importing.organisations_import_preview(
                file_bytes=file_bytes, file_format=file_format
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            context = {
                "preview": preview,
                "filename": upload.name,
                "upload_form": ImportUploadForm(),
            }
            if preview.is_valid:
                _discard_stale_uploads()
                name = default_storage.save(
                    f"{UPLOAD_DIR}/{uuid.uuid4().hex}.{file_format}", ContentFile(file_bytes)
                )
                context["confirm_form"] = ImportConfirmForm(
                    initial={"upload": _signer(request).sign(name)}
                )
            return render(request, "members/import_preview.html", context)
    return render(request, "members/import.html", {"form": form, **_columns_context()})


@login_required
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Import the file checked on the preview page: every row, or none."""
    authorize(request.user, "members.import_organisations")
    form = ImportConfirmForm(request.POST)
    if not form.is_valid():
        raise SuspiciousOperation("Import confirmed without a file.")
    try:
        name = _signer(request).unsign(form.cleaned_data["upload"], max_age=UPLOAD_MAX_AGE)
    except signing.SignatureExpired:
        messages.error(request, _("That check has expired; upload the file again."))
        return redirect("members:import")
    except signing.BadSignature:
        raise SuspiciousOperation("Import confirmed with a tampered file name.") from None
    if not UPLOAD_NAME.match(name):
        raise SuspiciousOperation("Import confirmed with an unexpected file name.")
    if not default_storage.exists(name):
        messages.error(
            request, _("That file has already been imported or has expired; upload it again.")
        )
        return redirect("members:import")
    with default_storage.open(name, "rb") as stored:
        file_bytes = stored.read()
    file_format = name.rsplit(".", 1)[-1]
    try:
        summary = importing.organisations_import(
            actor=request.user, file_bytes=file_bytes, file_format=file_format
        )
    except ValidationError as error:
        # The records changed since the file was checked: show what is wrong now.
        default_storage.delete(name)
        return render(
            request,
            "members/import_preview.html",
            {"failure": error.messages, "upload_form": ImportUploadForm()},
        )
    default_storage.delete(name)
    messages.success(
        request,
        ngettext(
            "%(created)s organisation created, %(updated)s updated.",
            "%(created)s organisations created, %(updated)s updated.",
            summary.created,
        )
        % {"created": summary.created, "updated": summary.updated},
    )
    return redirect("members:directory")
