# ruff: noqa: W291, W293  (the lab's cells keep their own whitespace, byte for byte)
"""The lab's own code cells (the Korean lab text, comments and all), as a learner pastes them.

Two lines differ from the lab, each for a reason the course's notebooks give:
- the lab's first cell (``%sh`` ... ``wget``) downloads the data from the internet: step 01
  puts the file in the lab's file system instead, and the setup cells restore it;
- the lab saves a copy of the model with ``mlflow.spark.save_model`` to ``/model/...``, a
  folder in the root of the cluster's disk; on a learner's own computer that folder is not
  theirs to write, so the copy goes to ``model/...`` beside the notebook (:data:`SAVE_AS`).
"""

from __future__ import annotations

#: The lab's line, and the course's line that replaces it (the only other change).
LAB_SAVE = 'modelpath = "/model/%s" % (unique_model_name) '
SAVE_AS = 'modelpath = "model/%s" % (unique_model_name) '

DATA_PREP = """\
from pyspark.sql.types import *
from pyspark.sql.functions import *
   
# CSV 파일을 DataFrame으로 읽어옵니다. header 옵션은 첫 번째 줄을 컬럼 이름으로 사용하도록 합니다.
data = spark.read.format("csv").option("header", "true").load("/mlflow_lab/penguins.csv")

# 결측치가 있는 행을 제거하고, 각 컬럼을 적절한 데이터 타입으로 변환합니다.
data = data.dropna().select(col("Island").astype("string"),
                            col("CulmenLength").astype("float"), # 부리 길이
                            col("CulmenDepth").astype("float"),  # 부리 두께
                            col("FlipperLength").astype("float"),# 지느러미 길이
                            col("BodyMass").astype("float"),   # 몸무게
                            col("Species").astype("int")      # 펭귄 종 (목표 변수)
                          )
# 데이터의 20%를 무작위로 샘플링하여 표시합니다.
display(data.sample(0.2))
   
# 데이터를 학습 데이터(70%)와 테스트 데이터(30%)로 무작위 분할합니다.
splits = data.randomSplit([0.7, 0.3])
train = splits[0]
test = splits[1]
print ("Training Rows:", train.count(), " Testing Rows:", test.count())
"""

MLFLOW_RUN = """\
import mlflow
import mlflow.spark # MLflow에서 Spark ML 모델을 로깅하기 위한 모듈
from pyspark.ml import Pipeline # 여러 단계를 순차적으로 실행하는 파이프라인
from pyspark.ml.feature import StringIndexer, VectorAssembler, MinMaxScaler # 특성 공학 도구들
from pyspark.ml.classification import LogisticRegression # 분류 알고리즘
from pyspark.ml.evaluation import MulticlassClassificationEvaluator # 다중 클래스 분류 평가 도구
import time # 고유한 모델 이름을 생성하기 위해 사용
   
# MLflow 실행(run) 시작
with mlflow.start_run():
    catFeature = "Island" # 범주형 특성 이름
    numFeatures = ["CulmenLength", "CulmenDepth", "FlipperLength", "BodyMass"] # 수치형 특성 이름 리스트
     
    # 하이퍼파라미터 설정
    maxIterations = 5  # 로지스틱 회귀의 최대 반복 횟수
    regularization = 0.5 # 로지스틱 회귀의 정규화 파라미터
   
    # 특성 공학 및 모델 단계 정의
    # 1. StringIndexer: 범주형 특성 "Island"를 숫자 인덱스로 변환 ("IslandIdx" 컬럼 생성)
    catIndexer = StringIndexer(inputCol=catFeature, outputCol=catFeature + "Idx")
    # 2. VectorAssembler: 수치형 특성들을 단일 벡터 "numericFeatures"로 결합
    numVector = VectorAssembler(inputCols=numFeatures, outputCol="numericFeatures")
    # 3. MinMaxScaler: "numericFeatures" 벡터를 정규화하여 "normalizedFeatures" 컬럼 생성
    numScaler = MinMaxScaler(inputCol = numVector.getOutputCol(), outputCol="normalizedFeatures")
    # 4. VectorAssembler: 인덱싱된 범주형 특성과 정규화된 수치형 특성을 최종 "Features" 벡터로 결합
    featureVector = VectorAssembler(inputCols=["IslandIdx", "normalizedFeatures"], outputCol="Features")
    # 5. LogisticRegression: 로지스틱 회귀 모델 정의
    algo = LogisticRegression(labelCol="Species", featuresCol="Features", maxIter=maxIterations, regParam=regularization)
   
    # 단계들을 파이프라인(Pipeline)의 스테이지(stages)로 연결
    pipeline = Pipeline(stages=[catIndexer, numVector, numScaler, featureVector, algo])
   
    # 학습 파라미터 값 로깅
    print ("Training Logistic Regression model...")
    mlflow.log_param('maxIter', algo.getMaxIter()) # 최대 반복 횟수 로깅
    mlflow.log_param('regParam', algo.getRegParam()) # 정규화 파라미터 로깅
    
    # 파이프라인을 학습 데이터(train)에 적합(fit)시켜 모델 생성
    model = pipeline.fit(train)
      
    # 모델 평가 및 메트릭 로깅
    prediction = model.transform(test) # 테스트 데이터로 예측 수행
    metrics = ["accuracy", "weightedRecall", "weightedPrecision"] # 평가할 메트릭 리스트
    for metric in metrics:
        evaluator = MulticlassClassificationEvaluator(labelCol="Species", predictionCol="prediction", metricName=metric)
        metricValue = evaluator.evaluate(prediction) # 예측 결과 평가
        print("%s: %s" % (metric, metricValue))
        mlflow.log_metric(metric, metricValue) # 평가 메트릭 로깅
   
           
    # 모델 자체를 로깅
    unique_model_name = "classifier-" + str(time.time()) # 고유한 모델 이름 생성
    # MLflow에 Spark 모델을 로깅합니다. 모델, 아티팩트 경로 내 이름, conda 환경을 지정합니다.
    mlflow.spark.log_model(model, unique_model_name, mlflow.spark.get_default_conda_env())
    # DBFS 경로에 모델 저장 (선택 사항, log_model로도 충분히 MLflow에 기록됨)
    modelpath = "/model/%s" % (unique_model_name) 
    mlflow.spark.save_model(model, modelpath)
       
    print("Experiment run complete.")
"""

FUNCTION = """\
def train_penguin_model(training_data, test_data, maxIterations, regularization):
    import mlflow
    import mlflow.spark
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import StringIndexer, VectorAssembler, MinMaxScaler
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator
    import time
   
    # MLflow 실행(run) 시작
    with mlflow.start_run():
   
        catFeature = "Island"
        numFeatures = ["CulmenLength", "CulmenDepth", "FlipperLength", "BodyMass"]
   
        # 특성 공학 및 모델 단계 정의 (이전 셀과 동일)
        catIndexer = StringIndexer(inputCol=catFeature, outputCol=catFeature + "Idx")
        numVector = VectorAssembler(inputCols=numFeatures, outputCol="numericFeatures")
        numScaler = MinMaxScaler(inputCol = numVector.getOutputCol(), outputCol="normalizedFeatures")
        featureVector = VectorAssembler(inputCols=["IslandIdx", "normalizedFeatures"], outputCol="Features")
        algo = LogisticRegression(labelCol="Species", featuresCol="Features", maxIter=maxIterations, regParam=regularization)
   
        # 파이프라인 구성 (이전 셀과 동일)
        pipeline = Pipeline(stages=[catIndexer, numVector, numScaler, featureVector, algo])
   
        # 학습 파라미터 값 로깅
        print ("Training Logistic Regression model...")
        mlflow.log_param('maxIter', algo.getMaxIter())
        mlflow.log_param('regParam', algo.getRegParam())
        model = pipeline.fit(training_data) # 함수 인자로 받은 training_data 사용
   
        # 모델 평가 및 메트릭 로깅
        prediction = model.transform(test_data) # 함수 인자로 받은 test_data 사용
        metrics = ["accuracy", "weightedRecall", "weightedPrecision"]
        for metric in metrics:
            evaluator = MulticlassClassificationEvaluator(labelCol="Species", predictionCol="prediction", metricName=metric)
            metricValue = evaluator.evaluate(prediction)
            print("%s: %s" % (metric, metricValue))
            mlflow.log_metric(metric, metricValue)
   
        # 모델 자체를 로깅
        unique_model_name = "classifier-" + str(time.time())
        mlflow.spark.log_model(model, unique_model_name, mlflow.spark.get_default_conda_env())
        modelpath = "/model/%s" % (unique_model_name)
        mlflow.spark.save_model(model, modelpath)
   
        print("Experiment run complete.")
"""

CALL = "train_penguin_model(train, test, 10, 0.2)\n"

#: The exercise cells of each step (by nbgrader grade_id), as the lab writes them.
CELLS = {
    "03_data_prep": {"prepare": DATA_PREP},
    "04_mlflow_run": {"train_run": MLFLOW_RUN},
    "05_function": {"function": FUNCTION, "call": CALL},
}


def as_run_here(code: str) -> str:
    """The lab's cell with the one line that cannot run on a learner's computer changed."""
    return code.replace(LAB_SAVE.rstrip(), SAVE_AS.rstrip())
