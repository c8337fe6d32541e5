"""files.info as the fake Slack answers it, for files shared with FakeSlack.share_file."""


def file_info(files: dict[str, dict], file_id: str, api_url: str) -> dict:
    """Slack's description of a shared file; its url_private is served by the fake."""
    if file_id not in files:
        return {"ok": False, "error": "file_not_found"}
    file = files[file_id]
    return {
        "ok": True,
        "file": {
            "id": file_id,
            "name": file["name"],
            "user": file["user"],
            "size": len(file["content"]),
            "filetype": file["name"].rsplit(".", 1)[-1],
            "url_private": api_url.replace("/api/", f"/files-pri/{file_id}/{file['name']}"),
        },
    }
