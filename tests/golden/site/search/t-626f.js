CatalogSearch.add("t","bo",{"boaz":[3.507,"2_"],"bottleneck":[5.829,"4_"],"box":[4.554,"4_"],"box deep":[2.607,"4_"]});
