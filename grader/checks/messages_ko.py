"""Korean text of the self-check messages, keyed by their English text (see ``i18n.py``).

Code in a message (``w.dbfs.upload(...)``) stays as it is: the learner types it as it is.
"""

from __future__ import annotations

KO: dict[str, str] = {
    # the table itself (report.py)
    "{title}: {ok}/{total} checks passed": "{title}: {total}개 중 {ok}개 통과",
    "PASS": "통과",
    "FAIL": "실패",
    "check": "확인 항목",
    "expected": "기대값",
    "found": "실제값",
    "hint": "힌트",
    "Some checks did not pass yet:": "아직 통과하지 못한 확인 항목이 있습니다:",
    # shared
    "`{name}` exists": "`{name}` 변수가 정의됨",
    "no variable named {name}": "{name} 변수가 없음",
    "none": "없음",
    "nothing": "없음",
    "no endpoint": "엔드포인트 없음",
    "a DataFrame": "DataFrame 객체",
    "{n} rows": "{n}행",
    "no error": "오류 없음",
    "Run the setup cell.": "setup 셀을 먼저 실행하십시오.",
    # step 01
    "Step 01 · connect to the workspace": "1단계 · workspace에 연결하기",
    "Step 01 · the penguin data in the lab's file system": "1단계 · 실습 파일 시스템의 펭귄 데이터",
    "a workspace client": "workspace 클라이언트",
    "the current user": "현재 사용자",
    "the workspace client answers": "workspace 클라이언트가 응답함",
    "an object with .current_user and .clusters": ".current_user와 .clusters가 있는 객체",
    "Use the client lab.workspace_client() returns.": "lab.workspace_client()가 반환하는 클라이언트를 사용하십시오.",
    "you are known to the workspace": "workspace가 사용자를 알고 있음",
    "me must be what w.current_user.me() returns.": "me는 w.current_user.me()가 반환한 값이어야 합니다.",
    "{path} exists": "{path} 파일이 있음",
    "a file": "파일",
    "Upload it with w.dbfs.upload(path, io.BytesIO(penguins_csv()), overwrite=True).": (
        "w.dbfs.upload(path, io.BytesIO(penguins_csv()), overwrite=True)로 업로드하십시오."
    ),
    "the file is the lab's penguins.csv, byte for byte": "파일이 실습의 penguins.csv와 바이트 단위로 같음",
    "sha256 {digest}… ({size} bytes)": "sha256 {digest}… ({size}바이트)",
    "Upload penguins_csv() unchanged: no re-encoding, no edits.": (
        "penguins_csv()를 그대로 업로드하십시오: 인코딩을 바꾸거나 수정하지 마십시오."
    ),
    # step 02
    "Step 02 · the cluster spec": "2단계 · cluster 사양",
    "Step 02 · the cluster runs and Spark answers": "2단계 · cluster 실행 및 Spark 응답",
    "the ClusterDetails create_and_wait returned": "create_and_wait가 반환한 ClusterDetails",
    "runtime: latest LTS ML, no GPU, Scala 2.13": "런타임: 최신 LTS ML, GPU 없음, Scala 2.13",
    "select_spark_version(latest=True, long_term_support=True, ml=True, gpu=False, "
    "scala='2.13'): its scala defaults to 2.12.": (
        "select_spark_version(latest=True, long_term_support=True, ml=True, gpu=False, "
        "scala='2.13'): scala의 기본값은 2.12입니다."
    ),
    "single node, no workers": "단일 노드, 작업자 노드 없음",
    "A single-node cluster is one driver and no workers.": (
        "단일 노드 cluster는 드라이버 노드 하나와 작업자 노드 0개입니다."
    ),
    "node type": "노드 유형",
    "no Photon": "Photon 사용 안 함",
    "single-user access for you": "본인에 대한 단일 사용자(Single user) 액세스",
    "SINGLE_USER for {user}": "{user}의 SINGLE_USER",
    "{mode} for {user}": "{user}의 {mode}",
    "terminates after 20 idle minutes": "20분 동안 비활성 상태이면 종료",
    "a SparkSession": "SparkSession 객체",
    "the cluster is RUNNING": "cluster가 RUNNING 상태임",
    "create_and_wait returns once the cluster runs; did something terminate it?": (
        "create_and_wait는 cluster가 실행되면 반환합니다. 무언가가 cluster를 종료하지 않았습니까?"
    ),
    "Spark answers: spark.range(100).count()": "Spark 응답: spark.range(100).count()",
    # step 03
    "Step 03 · clean and type the data": "3단계 · 데이터 정리 및 타입 지정",
    "Step 03 · split 70/30": "3단계 · 70/30 분할",
    "columns and types": "컬럼과 데이터 타입",
    "select(col('CulmenLength').astype('float'), ...) for each column.": (
        "각 컬럼마다 select(col('CulmenLength').astype('float'), ...)처럼 변환하십시오."
    ),
    "incomplete rows dropped": "불완전한 행 제거",
    "data.dropna() removes the 2 penguins without measurements.": (
        "data.dropna()는 측정값이 없는 펭귄 2마리를 제거합니다."
    ),
    "train and test add up to the data": "train과 test를 합치면 전체 데이터",
    "about 70% of rows for training": "약 70%의 행이 학습용",
    "0.6 ≤ train share ≤ 0.8": "0.6 ≤ 학습 데이터 비율 ≤ 0.8",
    "randomSplit([0.7, 0.3]): training first.": "randomSplit([0.7, 0.3]): 학습 데이터가 먼저입니다.",
    # step 04
    "Step 04 · an MLflow run with the lab's parameters": "4단계 · 실습 파라미터로 실행한 MLflow run",
    "Step 04 · the run's metrics and model": "4단계 · run의 메트릭과 모델",
    "Inside `with mlflow.start_run():` log maxIter and regParam with log_param.": (
        "`with mlflow.start_run():` 블록 안에서 log_param으로 maxIter와 regParam을 기록하십시오."
    ),
    "a finished run with maxIter={max_iter}, regParam={reg_param}": (
        "maxIter={max_iter}, regParam={reg_param}로 완료된 run"
    ),
    "params maxIter={max_iter}, regParam={reg_param} in {experiment}": (
        "{experiment}에 파라미터 maxIter={max_iter}, regParam={reg_param}"
    ),
    "{n} such runs": "해당 run {n}개",
    "three metrics logged, each in [0, 1]": "메트릭 3개가 기록되었고 각각 [0, 1] 범위임",
    "mlflow.log_metric(metric, metricValue) for each of the three metrics.": (
        "세 메트릭 각각에 대해 mlflow.log_metric(metric, metricValue)를 호출하십시오."
    ),
    "the model is logged with the run": "모델이 run과 함께 기록됨",
    "a logged Spark model (an MLmodel file) in the run's artifacts": (
        "run의 아티팩트에 기록된 Spark 모델(MLmodel 파일)"
    ),
    "no model": "모델 없음",
    "the logged accuracy is the logged model's accuracy on test": (
        "기록된 accuracy가 기록된 모델의 test 정확도와 같음"
    ),
    "{value:.4f} (logged)": "{value:.4f} (기록된 값)",
    "the model does not load": "모델을 불러올 수 없음",
    "Evaluate model.transform(test) and log what the evaluator returns.": (
        "model.transform(test)를 평가하고 evaluator가 반환한 값을 기록하십시오."
    ),
    # step 05
    "Step 05 · the function": "5단계 · 함수",
    "Step 05 · a run with maxIterations=10, regularization=0.2": (
        "5단계 · maxIterations=10, regularization=0.2로 실행한 run"
    ),
    "Step 05 · the function with other values": "5단계 · 다른 값으로 호출한 함수",
    "a function": "함수",
    "not a function: {value}": "함수가 아님: {value}",
    "Keep the lab's parameter names and order.": "실습의 파라미터 이름과 순서를 그대로 사용하십시오.",
    "Call train_penguin_model(train, test, 10, 0.2).": (
        "train_penguin_model(train, test, 10, 0.2)를 호출하십시오."
    ),
    "the train DataFrame": "train DataFrame 객체",
    "the test DataFrame": "test DataFrame 객체",
    "train_penguin_model(train, test, {max_iter}, {reg_param}) runs": (
        "train_penguin_model(train, test, {max_iter}, {reg_param})가 실행됨"
    ),
    "Use the function's arguments, not fixed values.": "고정된 값이 아니라 함수의 인자를 사용하십시오.",
    "Log the arguments' values: maxIter=maxIterations, regParam=regularization.": (
        "인자의 값을 기록하십시오: maxIter=maxIterations, regParam=regularization."
    ),
    "the call made a new run": "호출이 새 run을 만듦",
    "one new run": "새 run 1개",
    "a new run": "새 run",
    "Start a run inside the function: with mlflow.start_run():": (
        "함수 안에서 run을 시작하십시오: with mlflow.start_run():"
    ),
    # step 06
    "Step 06 · register the model as lab.model_name": "6단계 · 모델을 lab.model_name으로 등록하기",
    "Step 06 · the endpoint answers the lab's request": "6단계 · 엔드포인트가 실습의 요청에 응답함",
    "Step 06 · the endpoint for other penguins": "6단계 · 다른 펭귄에 대한 엔드포인트 응답",
    "a registered model named {name}": "{name}라는 이름의 등록된 모델",
    "at least one version": "버전 1개 이상",
    "version {v}": "버전 {v}",
    "no such model": "해당 모델 없음",
    "(no run with a model)": "(모델이 있는 run 없음)",
    "the version comes from your latest run": "버전이 가장 최근 run에서 만들어짐",
    "Register runs:/<latest run id>/<its classifier-… folder>.": (
        "runs:/<최근 run id>/<그 run의 classifier-… 폴더>를 등록하십시오."
    ),
    "endpoint {name} is READY": "엔드포인트 {name}이(가) READY 상태임",
    "it serves the registered version": "등록된 버전을 서빙함",
    "the endpoint's answer": "엔드포인트의 응답",
    "one prediction, a valid species (0, 1 or 2)": "예측 1개, 유효한 종(0, 1 또는 2)",
    "[0.0], [1.0] or [2.0]": "[0.0], [1.0] 또는 [2.0]",
    "Send the lab's request: one record in dataframe_records.": (
        "실습의 요청을 보내십시오: dataframe_records에 레코드 1개."
    ),
    "{n} other penguins: the model's own predictions": "다른 펭귄 {n}마리: 모델 자체의 예측과 같음",
    "Serve the version you registered, and keep the endpoint running.": (
        "등록한 버전을 서빙하고 엔드포인트를 계속 실행해 두십시오."
    ),
    # step 07
    "Step 07 · clean up": "7단계 · 정리하기",
    "endpoint {name} deleted": "엔드포인트 {name} 삭제됨",
    "your cluster is terminated": "cluster가 종료됨",
    "no cluster": "cluster 없음",
    "running: {ids}": "실행 중: {ids}",
    "w.clusters.delete(cluster_id) terminates it (delete_and_wait waits).": (
        "w.clusters.delete(cluster_id)로 종료합니다(delete_and_wait는 종료될 때까지 기다립니다)."
    ),
    "no Spark session left in this notebook": "이 notebook에 남은 Spark 세션 없음",
    "a running SparkSession": "실행 중인 SparkSession",
    "Terminating the cluster stops its Spark session.": "cluster를 종료하면 Spark 세션도 멈춥니다.",
    # step 06 run again (grader/lab/lab.py, Lab.say_latest_version)
    "Version {version} is now the latest of {name}.": "이제 {name}의 최신 버전은 {version}입니다.",
    "Earlier versions stay registered; the endpoint predict-penguin keeps the version it serves until the next cell moves it to version {version}.": "이전 버전들도 등록된 채로 남습니다. 다음 셀이 엔드포인트 predict-penguin을 버전 {version}(으)로 옮길 때까지 엔드포인트는 지금 서빙하는 버전을 그대로 서빙합니다.",
}
