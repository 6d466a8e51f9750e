#!/usr/bin/env python3
"""Regenerates Samples/: eight small, realistic session bundles (see Samples/README.md).

Speech is synthesised with espeak-ng (two Russian voices), mixed with room noise by sox and
encoded as OGG/Vorbis, FLAC or µ-law WAV; photos are drawn by ImageMagick and given EXIF
capture times by exiftool. Needs: espeak-ng sox libsox-fmt-all imagemagick libimage-exiftool-perl
(`make samples` installs them). The output is committed; this script only documents and
reproduces it.
"""
import hashlib, json, os, shutil, subprocess, sys, tarfile, tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Samples")
CONVERT = "/usr/bin/convert"  # ImageMagick itself, not a stand-in earlier on PATH
TMP = tempfile.mkdtemp(prefix="msr-samples-")

def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()

def speech(lines, out, fmt, silent=False):
    """lines: [(speaker, text)], speaker 'e' employee or 'c' customer."""
    parts = []
    for i, (who, text) in enumerate(lines):
        wav = os.path.join(TMP, f"line{i}.wav")
        voice = "ru+f3" if who == "e" else "ru+m3"
        run("espeak-ng", "-v", voice, "-s", "130", "-w", wav, text)
        parts.append(wav)
        gap = os.path.join(TMP, f"gap{i}.wav")
        run("sox", "-n", "-r", "22050", "-c", "1", gap, "trim", "0", "1.1" if who == "e" else "1.6")
        parts.append(gap)
    joined = os.path.join(TMP, "joined.wav")
    run("sox", *parts, "-r", "16000", joined)
    length = float(subprocess.run(["soxi", "-D", joined], capture_output=True, text=True).stdout)
    noise = os.path.join(TMP, "noise.wav")
    run("sox", "-n", "-r", "16000", "-c", "1", noise, "synth", str(length), "brownnoise", "vol", "0.02")
    mixed = os.path.join(TMP, "mixed.wav")
    if silent:
        # A device left recording an empty room: only faint hiss.
        run("sox", noise, mixed, "vol", "0.05")
    else:
        run("sox", "-m", joined, noise, mixed, "highpass", "120", "lowpass", "3800", "vol", "0.9")
    if fmt == "ogg":
        run("sox", mixed, "-C", "0", out)
    elif fmt == "flac":
        run("sox", mixed, "-r", "8000", "-C", "8", out)
    else:
        run("sox", mixed, "-r", "8000", "-e", "u-law", out)
    return length

def photo(out, label, colour, exif_time, exif_offset=None):
    seed = str(int(hashlib.sha256(out.encode() + label.encode()).hexdigest()[:6], 16))
    run(CONVERT, "-seed", seed, "-size", "320x240", f"plasma:{colour}-gray30", "-blur", "0x1",
        "-fill", "white", "-draw", "rectangle 20,150 300,220",
        "-fill", "black", "-font", "DejaVu-Sans", "-pointsize", "16",
        "-draw", f"text 30,180 '{label}'", "-draw", f"text 30,205 '{exif_time}'",
        "-quality", "70", out)
    args = ["exiftool", "-q", "-overwrite_original", f"-DateTimeOriginal={exif_time}"]
    if exif_offset:
        args.append(f"-OffsetTimeOriginal={exif_offset}")
    if exif_time:
        run(*args, out)

DIALOGUES = {
    "bank": [("e", "Добрый день! Меня зовут Анна, чем могу помочь?"),
             ("c", "Здравствуйте. Я хотел бы узнать про ипотеку на вторичное жильё."),
             ("e", "Конечно. Скажите, пожалуйста, какой первоначальный взнос вы планируете?"),
             ("c", "Примерно двадцать процентов."),
             ("e", "Тогда ставка будет десять и девять десятых процента. Также могу предложить страховку со скидкой."),
             ("c", "Страховка мне не нужна, спасибо."),
             ("e", "Понимаю. Без страховки ставка выше на один процент. Оставить вам расчёт?"),
             ("c", "Да, пожалуйста."),
             ("e", "Вот расчёт. Оцените, пожалуйста, нашу работу на планшете. Всего доброго!")],
    "pharmacy": [("e", "Здравствуйте! Что вам подсказать?"),
                 ("c", "Мне нужно что-нибудь от кашля, для ребёнка пяти лет."),
                 ("e", "Кашель сухой или влажный? Есть ли температура?"),
                 ("c", "Сухой, температуры нет."),
                 ("e", "Могу предложить сироп на травах. Рецепт не нужен. Принимать три раза в день после еды."),
                 ("c", "Хорошо, давайте."),
                 ("e", "С вас четыреста двадцать рублей. Карта аптеки есть?"),
                 ("c", "Нет."),
                 ("e", "Оформим бесплатно? Будет скидка пять процентов. Выздоравливайте!")],
    "fuel": [("e", "Добрый вечер! Какая колонка?"),
             ("c", "Третья, девяносто пятый, полный бак."),
             ("e", "Кофе с собой не желаете? Сегодня акция, второй напиток в подарок."),
             ("c", "Давайте капучино."),
             ("e", "Оплата картой? Приложите, пожалуйста. Чек нужен?"),
             ("c", "Да, спасибо."),
             ("e", "Стекло протереть? Наш сотрудник сделает это бесплатно."),
             ("c", "Да, было бы неплохо."),
             ("e", "Ваш капучино готов. Хорошей дороги!")],
    "public": [("e", "Здравствуйте, ваш талон? Присаживайтесь."),
               ("c", "Мне нужно получить справку об отсутствии задолженности."),
               ("e", "Паспорт, пожалуйста. Заявление я заполню сама, вам нужно только подписать."),
               ("c", "Сколько времени это займёт?"),
               ("e", "Справка будет готова через три рабочих дня, мы пришлём сообщение."),
               ("c", "Спасибо."),
               ("e", "Оцените, пожалуйста, качество обслуживания на экране. До свидания!")],
}

LOC = {
    "BR-017": {"id": "BR-017", "name": "Нижний Новгород, ул. Горького, 5", "timezone": "Europe/Moscow",
               "hours": {"open": "09:00", "close": "21:00"}},
    "PH-003": {"id": "PH-003", "name": "Казань, ул. Баумана, 44, аптека «Здоровье»", "timezone": "Europe/Moscow",
               "hours": {"open": "08:00", "close": "22:00"}},
    "FS-101": {"id": "FS-101", "name": "Екатеринбург, Сибирский тракт, 12 км, АЗС", "timezone": "Asia/Yekaterinburg",
               "hours": {"open": "07:00", "close": "23:00"}},
    "MFC-12": {"id": "MFC-12", "name": "Владивосток, ул. Светланская, 9, МФЦ", "timezone": "Asia/Vladivostok",
               "hours": {"open": "09:00", "close": "20:00"}},
}
EMP = {"anna": {"id": "E-1203", "name": "Анна Петрова"}, "dmitry": {"id": "E-1207", "name": "Дмитрий Соколов"},
       "olga": {"id": "E-2210", "name": "Ольга Смирнова"}, "sergey": {"id": "E-3101", "name": "Сергей Лебедев"},
       "elena": {"id": "E-4410", "name": "Елена Кузнецова"}}

def csi(q_start, step=9):
    """Three answers of the CSI form at q_start + step, 2·step, 3·step (q_start as 'HH:MM:SS')."""
    return lambda day, off, t: [
        {"question": "rate_specialist", "text": "Оцените работу специалиста", "kind": "scale5", "value": t[0],
         "answered_at": f"{day}T{add(q_start, step)}{off}"},
        {"question": "recommend", "text": "Порекомендуете ли вы нас друзьям?", "kind": "nps", "value": t[1],
         "answered_at": f"{day}T{add(q_start, 2 * step)}{off}"},
        {"question": "comment", "text": "Комментарий", "kind": "text", "value": t[2],
         "answered_at": f"{day}T{add(q_start, 3 * step)}{off}"}]

def add(hms, seconds):
    h, m, s = map(int, hms.split(":"))
    total = h * 3600 + m * 60 + s + seconds
    return f"{total // 3600 % 24:02d}:{total // 60 % 60:02d}:{total % 60:02d}"

def bundle(sid, loc, emp, checklist, day, off, start, dialogue, fmt, photos, questionnaires,
           callbacks=(), silent=False, tamper_audio=False, as_tar=False, length=None):
    d = os.path.join(TMP, sid)
    os.makedirs(d + "/audio"); os.makedirs(d + "/photos")
    audio = f"audio/rec-001.{fmt}"
    secs = speech(DIALOGUES[dialogue], os.path.join(d, audio), fmt, silent=silent)
    end = add(start, int(length or max(secs + 15, 240)))
    rec = {"file": audio, "started_at": f"{day}T{add(start, 2)}{off}", "sha256": sha(os.path.join(d, audio))}
    if tamper_audio:
        rec["sha256"] = hashlib.sha256(b"what the device claimed").hexdigest()
    pj = []
    for p in photos:
        path = os.path.join(d, p["file"])
        if "copy_from" in p:
            shutil.copy(p["copy_from"], path)
        else:
            photo(path, p["label"], p["colour"], p.get("exif"), p.get("exif_offset"))
        pj.append({"file": p["file"], "taken_at": f"{day}T{p['taken']}{off}", "sha256": sha(path)})
    qs = []
    for q in questionnaires:
        qs.append({"id": q["id"], "form": q["form"], "started_at": f"{day}T{q['start']}{off}",
                   "submitted_at": f"{day}T{q['submit']}{off}", "photos": q.get("photos", []),
                   "answers": q["answers"](day, off, q["values"])})
    m = {"format": "msr-bundle/1", "session_id": sid, "device_id": "DEV-" + loc.split("-")[0] + "-1",
         "location": LOC[loc], "employee": EMP[emp], "started_at": f"{day}T{start}{off}",
         "ended_at": f"{day}T{end}{off}", "checklist": checklist, "recordings": [rec], "photos": pj,
         "questionnaires": qs}
    if callbacks:
        m["callback_requests"] = list(callbacks)
    with open(os.path.join(d, "session.json"), "w", encoding="utf-8") as f:
        json.dump(m, f, ensure_ascii=False, indent=2)
        f.write("\n")
    if as_tar:
        with tarfile.open(os.path.join(ROOT, sid + ".tar.gz"), "w:gz") as t:
            t.add(d, arcname=sid)
    else:
        shutil.copytree(d, os.path.join(ROOT, sid))
    return d

def main():
    for name in os.listdir(ROOT):
        if name.startswith("S-"):
            p = os.path.join(ROOT, name)
            shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    day, msk = "2026-11-20", "+03:00"
    # 1. Clean bank session with a CSI questionnaire, linked photo and a callback request.
    b1 = bundle("S-20261120-0001", "BR-017", "anna", "bank-branch", day, msk, "10:15:00", "bank", "ogg",
                [{"file": "photos/p-001.jpg", "label": "BR-017 desk 2", "colour": "steelblue",
                  "taken": "10:16:05", "exif": "2026:11:20 10:16:05", "exif_offset": "+03:00"}],
                [{"id": "Q1", "form": "csi-3", "start": "10:16:00", "submit": "10:16:40", "photos": ["photos/p-001.jpg"],
                  "answers": csi("10:16:00"), "values": [5, 9, "Быстро и вежливо"]}],
                callbacks=[{"name": "Иван Сидоров", "phone": "+7 900 123-45-67", "topic": "ипотека",
                            "at": f"{day}T10:16:50{msk}"}])
    # 2. Clean bank session, another employee, NPS-only form, FLAC audio.
    bundle("S-20261120-0002", "BR-017", "dmitry", "bank-branch", day, msk, "11:02:00", "bank", "flac",
           [{"file": "photos/p-001.jpg", "label": "BR-017 desk 4", "colour": "seagreen",
             "taken": "11:03:02", "exif": "2026:11:20 11:03:02", "exif_offset": "+03:00"}],
           [{"id": "Q1", "form": "nps-2", "start": "11:02:55", "submit": "11:03:30", "photos": ["photos/p-001.jpg"],
             "answers": lambda d, o, v: [
                 {"question": "recommend", "text": "Порекомендуете ли вы нас друзьям?", "kind": "nps", "value": v[0],
                  "answered_at": f"{d}T11:03:10{o}"},
                 {"question": "resolved", "text": "Ваш вопрос решён?", "kind": "yesno", "value": v[1],
                  "answered_at": f"{d}T11:03:22{o}"}], "values": [6, True]}])
    # 3. Pharmacy: the questionnaire's photo is byte-identical to bundle 1's (photo-reused).
    bundle("S-20261120-0003", "PH-003", "olga", "pharmacy", day, msk, "12:30:00", "pharmacy", "ogg",
           [{"file": "photos/p-001.jpg", "copy_from": os.path.join(b1, "photos/p-001.jpg"), "taken": "12:31:02"}],
           [{"id": "Q1", "form": "csi-3", "start": "12:31:00", "submit": "12:31:40", "photos": ["photos/p-001.jpg"],
             "answers": csi("12:31:00"), "values": [5, 10, "Всё отлично"]}])
    # 4. Fuel station: no photo in the questionnaire's window (photo-missing) and answers far too fast.
    yek = "+05:00"
    bundle("S-20261120-0004", "FS-101", "sergey", "fuel-station", day, yek, "18:40:00", "fuel", "ogg",
           [{"file": "photos/p-001.jpg", "label": "FS-101 pump 3", "colour": "darkorange",
             "taken": "18:40:05", "exif": "2026:11:20 18:40:05", "exif_offset": "+05:00"}],
           [{"id": "Q1", "form": "csi-3", "start": "18:41:20", "submit": "18:41:22",
             "answers": csi("18:41:20", step=0), "values": [5, 10, "ok"]}])
    # 5. State-services office far east: EXIF written without an offset, in local time (clean).
    vvo = "+10:00"
    bundle("S-20261120-0005", "MFC-12", "elena", "public-services", day, vvo, "15:05:00", "public", "wav",
           [{"file": "photos/p-001.jpg", "label": "MFC-12 window 7", "colour": "slateblue",
             "taken": "15:05:40", "exif": "2026:11:20 15:05:40"}],
           [{"id": "Q1", "form": "csi-3", "start": "15:05:30", "submit": "15:06:10", "photos": ["photos/p-001.jpg"],
             "answers": csi("15:05:30"), "values": [4, 8, "Вежливо, но долго"]}])
    # 6. Pharmacy again, same employee as bundle 3, overlapping it by minutes (session-overlap).
    bundle("S-20261120-0006", "PH-003", "olga", "pharmacy", day, msk, "12:31:30", "pharmacy", "flac",
           [{"file": "photos/p-001.jpg", "label": "PH-003 till 1", "colour": "orchid",
             "taken": "12:32:40", "exif": "2026:11:20 12:32:40", "exif_offset": "+03:00"}],
           [{"id": "Q1", "form": "csi-3", "start": "12:32:30", "submit": "12:33:10", "photos": ["photos/p-001.jpg"],
             "answers": csi("12:32:30"), "values": [3, 5, "Нет нужного лекарства"]}])
    # 7. Bank: audio does not match its sha256 (file-tampered); photo EXIF 20 minutes off (photo-time-mismatch).
    bundle("S-20261120-0007", "BR-017", "anna", "bank-branch", day, msk, "16:20:00", "bank", "ogg",
           [{"file": "photos/p-001.jpg", "label": "BR-017 desk 2", "colour": "firebrick",
             "taken": "16:21:05", "exif": "2026:11:20 16:01:05", "exif_offset": "+03:00"}],
           [{"id": "Q1", "form": "csi-3", "start": "16:21:00", "submit": "16:21:40", "photos": ["photos/p-001.jpg"],
             "answers": csi("16:21:00"), "values": [5, 10, "Супер"]}], tamper_audio=True)
    # 8. Fuel station at night, after closing (outside-hours), near-silent audio (audio-silent); a .tar.gz bundle.
    bundle("S-20261120-0008", "FS-101", "sergey", "fuel-station", day, yek, "23:20:00", "fuel", "ogg",
           [{"file": "photos/p-001.jpg", "label": "FS-101 shop", "colour": "midnightblue",
             "taken": "23:20:40", "exif": "2026:11:20 23:20:40", "exif_offset": "+05:00"}],
           [{"id": "Q1", "form": "csi-3", "start": "23:20:30", "submit": "23:21:10", "photos": ["photos/p-001.jpg"],
             "answers": csi("23:20:30"), "values": [5, 9, "Спасибо"]}], silent=True, as_tar=True)
    shutil.rmtree(TMP)
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(ROOT) for f in fs)
    print(f"Samples/: {total / 1e6:.2f} MB")

if __name__ == "__main__":
    main()
