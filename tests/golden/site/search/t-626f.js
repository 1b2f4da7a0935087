CatalogSearch.add("t","bo",{"boaz":[3.507,"2_"],"bottleneck":[5.834,"4_"],"box":[4.55,"4_"],"box deep":[2.607,"4_"]});
