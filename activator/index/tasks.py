"""Background work of the index: computing a year's results after the data changed."""

import logging

from django_tasks import task

from activator.index.enums import ResultStatus
from activator.index.models import ResultSet

logger = logging.getLogger(__name__)


@task()
def compute_results(*, result_set_id: int) -> str:
    """Compute one result set; a failure is recorded on it, so the pages can say so."""
    from activator.index.results import results_compute

    result_set = (
        ResultSet.objects.select_related("version__framework").filter(pk=result_set_id).first()
    )
    if result_set is None:
        return "gone"
    try:
        return results_compute(result_set).status
    except Exception as error:  # recorded for staff, then re-raised for the worker's log
        logger.exception("Computing %s failed", result_set)
        ResultSet.objects.filter(pk=result_set_id).update(
            status=ResultStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
