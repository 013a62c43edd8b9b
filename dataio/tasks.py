"""Background tasks of the import and export pages (django-tasks)."""

from django_tasks import task

from dataio import jobs


@task()
def run_data_job(job_id: str) -> str:
    return jobs.run(job_id)
